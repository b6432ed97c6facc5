namespace Kaptain.Build.Cluster;

/// <summary>The <c>propagationPolicy</c> of a delete request.</summary>
public enum DeletePropagation
{
    /// <summary>The object goes at once; the garbage collector removes its dependents afterwards.</summary>
    Background,

    /// <summary>
    /// The object stays (with a deletion timestamp) until its dependents are gone, so "the object is gone" means
    /// "everything it owned is gone". Used for the kinds that own pods, trials or revisions.
    /// </summary>
    Foreground,
}
