namespace Kaptain.Build.Cleanup;

/// <summary>What a journal entry records.</summary>
public enum JournalAction
{
    /// <summary>The API accepted the resource; from now on it is a leftover unless deleted or kept.</summary>
    Created,

    /// <summary>The resource was deleted (or found already gone).</summary>
    Deleted,

    /// <summary>The resource stays on purpose (a finished training job, a failed build kept on request).</summary>
    Kept,
}
