namespace Kaptain.Build.Diagnostics;

/// <summary>How a <see cref="KaptainDiagnostic"/> is reported by the front ends (MSBuild, Cake).</summary>
public enum DiagnosticSeverity
{
    /// <summary>Progress a user can follow; logged at normal verbosity.</summary>
    Message,

    /// <summary>Something the user should look at; a <c>KAPT5xxx</c> code.</summary>
    Warning,

    /// <summary>The step cannot go on; the build fails.</summary>
    Error,
}
