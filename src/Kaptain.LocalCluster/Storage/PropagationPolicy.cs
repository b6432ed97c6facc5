namespace Kaptain.LocalCluster.Storage;

/// <summary>How a delete treats the object's dependents (objects whose <c>ownerReferences</c> name it).</summary>
public enum PropagationPolicy
{
    /// <summary>Delete the object now; the garbage collector deletes the dependents afterwards.</summary>
    Background,

    /// <summary>Keep the object (with <c>deletionTimestamp</c> and the <c>foregroundDeletion</c> finalizer) until its blocking dependents are gone.</summary>
    Foreground,

    /// <summary>Delete the object and remove its reference from the dependents, which stay.</summary>
    Orphan,
}
