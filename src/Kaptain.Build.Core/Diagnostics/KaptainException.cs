namespace Kaptain.Build.Diagnostics;

/// <summary>
/// Ends a step with one or more coded diagnostics. Front ends log each diagnostic with its code and help link.
/// The message never carries a secret value.
/// </summary>
public sealed class KaptainException : Exception
{
    /// <summary>Creates the exception for one diagnostic.</summary>
    public KaptainException(KaptainDiagnostic diagnostic, Exception? inner = null)
        : base(diagnostic.ToString(), inner) => Diagnostics = [diagnostic];

    /// <summary>Creates the exception for several diagnostics (for example every validation error of a model).</summary>
    public KaptainException(IReadOnlyList<KaptainDiagnostic> diagnostics)
        : base(string.Join(Environment.NewLine, diagnostics)) => Diagnostics = diagnostics;

    /// <summary>The diagnostics that ended the step.</summary>
    public IReadOnlyList<KaptainDiagnostic> Diagnostics { get; }

    /// <summary>The cluster request that failed, when the resource client threw this for one.</summary>
    internal Cluster.ClusterRequest? Request { get; init; }
}
