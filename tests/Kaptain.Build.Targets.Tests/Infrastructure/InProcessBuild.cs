using Microsoft.Build.Evaluation;
using Microsoft.Build.Execution;
using Microsoft.Build.Framework;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// Builds one target of a project in this process, with the real props/targets and the fresh task assembly.
/// The in-process tests share one xunit collection: MSBuild builds change process-wide state (current directory).
/// </summary>
internal static class InProcessBuild
{
    public const string Collection = "In-process MSBuild";

    /// <summary>Global properties that make a project use the task assembly of this build.</summary>
    public static Dictionary<string, string> GlobalProperties(IDictionary<string, string>? extra = null)
    {
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["KaptainTasksAssembly"] = Repository.FreshTasksAssembly,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            properties[key] = value;
        }

        return properties;
    }

    public static Project Evaluate(string projectFile, IDictionary<string, string>? properties = null)
    {
        var collection = new ProjectCollection(GlobalProperties(properties));
        return collection.LoadProject(projectFile);
    }

    public static InProcessBuildResult Build(string projectFile, string target, IDictionary<string, string>? properties = null)
    {
        var logger = new CapturingLogger();
        using var collection = new ProjectCollection(GlobalProperties(properties));
        var instance = new ProjectInstance(projectFile, GlobalProperties(properties), toolsVersion: null, collection);
        var parameters = new BuildParameters(collection)
        {
            Loggers = [logger],
            EnableNodeReuse = false,
            MaxNodeCount = 1,
        };
        using var manager = new BuildManager("kaptain-targets-tests");
        var result = manager.Build(parameters, new BuildRequestData(instance, [target]));
        return new InProcessBuildResult(result, logger, target);
    }
}
