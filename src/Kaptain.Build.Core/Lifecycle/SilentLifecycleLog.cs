using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>The log of a step whose caller gave none.</summary>
internal sealed class SilentLifecycleLog : ILifecycleLog
{
    public static SilentLifecycleLog Instance { get; } = new();

    public void Info(string message)
    {
    }

    public void Detail(string message)
    {
    }

    public void Warning(KaptainDiagnostic diagnostic)
    {
    }

    public void Error(KaptainDiagnostic diagnostic)
    {
    }
}
