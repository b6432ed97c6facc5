using Microsoft.Build.Execution;
using Microsoft.Build.Framework;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>The outcome of an in-process build; assertions print the whole build log when they fail.</summary>
internal sealed class InProcessBuildResult(BuildResult result, CapturingLogger log, string target)
{
    public bool Succeeded => result.OverallResult == BuildResultCode.Success;

    public CapturingLogger Log => log;

    public IReadOnlyList<string> ErrorCodes => log.Errors.Select(e => e.Code).ToList();

    /// <summary>The items the target returned.</summary>
    public IReadOnlyList<ITaskItem> TargetOutputs =>
        result.ResultsByTarget.TryGetValue(target, out var targetResult) ? targetResult.Items : [];

    public InProcessBuildResult ShouldSucceed()
    {
        Assert.True(Succeeded, $"The build of {target} failed. Build log:{Environment.NewLine}{log.Text}");
        return this;
    }

    public InProcessBuildResult ShouldFail()
    {
        Assert.False(Succeeded, $"The build of {target} succeeded but was expected to fail. Build log:{Environment.NewLine}{log.Text}");
        return this;
    }
}
