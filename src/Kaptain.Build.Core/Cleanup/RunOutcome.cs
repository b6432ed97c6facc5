namespace Kaptain.Build.Cleanup;

/// <summary>Why cleanup runs; a <see cref="KeepPolicy"/> decides per outcome what stays.</summary>
public enum RunOutcome
{
    /// <summary>The step succeeded.</summary>
    Succeeded,

    /// <summary>The step failed (or timed out).</summary>
    Failed,

    /// <summary>The build was cancelled (Ctrl+C): everything the run created goes, whatever the policy says.</summary>
    Cancelled,

    /// <summary>A later sweep of what earlier runs left behind: everything found goes.</summary>
    Sweep,
}
