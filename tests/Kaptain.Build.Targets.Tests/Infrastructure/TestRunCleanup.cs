namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>An assembly fixture that removes what the test run left in the temp folder once every test has run.</summary>
public sealed class TestRunCleanup : IDisposable
{
    public void Dispose() => PackedPackage.DeleteIfPacked();
}
