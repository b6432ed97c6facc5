namespace Kaptain.Build.Model;

/// <summary>Whether tuning looks for the largest or the smallest objective value (<c>KaptainObjectiveType</c>).</summary>
public enum ObjectiveType
{
    /// <summary>Look for the largest value (Katib <c>maximize</c>).</summary>
    Maximize,

    /// <summary>Look for the smallest value (Katib <c>minimize</c>).</summary>
    Minimize,
}
