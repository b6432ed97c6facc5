using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.Testing;
using YamlDotNet.RepresentationModel;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// The CI samples in <c>samples/pipelines/</c> are valid for their platforms, and a KAPT error of a real failing build
/// surfaces as an annotation (issue 9, item 6): the GitHub workflow's problem matcher matches MSBuild's canonical error
/// line as the Actions runner applies it, and the Azure pipeline's build wrapper turns it into a
/// <c>##vso[task.logissue]</c> logging command.
/// </summary>
[Collection(DotnetProcesses.Collection)]
public sealed partial class PipelineSampleTests
{
    private static string GitHubWorkflow => Path.Combine(Repository.Samples, "pipelines", "github-actions.yml");

    private static string AzurePipeline => Path.Combine(Repository.Samples, "pipelines", "azure-pipelines.yml");

    private static string Sample => Path.Combine(Repository.Samples, "mnist-pytorch");

    private static string SampleProject => Path.Combine(Sample, "mnist-pytorch.proj");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_GitHub_workflow_is_valid_for_GitHubs_own_workflow_parser()
    {
        // A copy with a step that is both an action and a script proves that the parser reports what it should.
        var broken = Path.Combine(Directory.CreateTempSubdirectory("kaptain-workflow-").FullName, "broken.yml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(GitHubWorkflow, Token)).Replace(
            "      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@v4\n        run: echo both\n", StringComparison.Ordinal), Token);

        var results = await ValidateWorkflowsAsync(GitHubWorkflow, broken);

        Assert.Equal(JsonValueKind.Array, results[0]["errors"]!.GetValueKind());
        Assert.True(results[0]["errors"]!.AsArray().Count == 0, $"GitHub's parser rejects {GitHubWorkflow}: {results[0]["errors"]!.ToJsonString()}");
        Assert.Equal(1, results[0]["jobs"]!.GetValue<int>());
        Assert.Contains(results[1]["errors"]!.AsArray(), e => e!.GetValue<string>().Contains("Unexpected value 'run'", StringComparison.Ordinal));
        File.Delete(broken);
    }

    [Fact]
    public void The_Azure_pipeline_uses_only_keys_its_YAML_schema_defines()
    {
        // Microsoft's published schema (service-schema.json of microsoft/azure-pipelines-vscode) is served by no
        // package registry this build can reach, so this checks the sample against the keys of the YAML schema
        // reference (learn.microsoft.com/azure/devops/pipelines/yaml-schema) for what the sample uses.
        var root = (YamlMappingNode)Load(AzurePipeline).RootNode;
        string[] pipelineKeys = ["name", "trigger", "pr", "schedules", "resources", "variables", "parameters", "pool", "stages", "jobs", "steps", "extends", "lockBehavior", "appendCommitMessageToRunName"];
        string[] stepKinds = ["task", "script", "bash", "pwsh", "powershell", "checkout", "download", "downloadBuild", "getPackage", "publish", "reviewApp", "template"];
        string[] stepKeys = ["condition", "continueOnError", "displayName", "enabled", "env", "name", "timeoutInMinutes", "retryCountOnTaskFailure", "target", "inputs", "workingDirectory", "failOnStderr", "artifact"];

        Assert.All(Keys(root), key => Assert.Contains(key, pipelineKeys));
        var steps = ((YamlSequenceNode)root["steps"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.True(steps.Count >= 5, "The pipeline has too few steps.");
        foreach (var step in steps)
        {
            var kinds = Keys(step).Where(stepKinds.Contains).ToList();
            Assert.True(kinds.Count == 1, $"A step needs exactly one of {string.Join(", ", stepKinds)}: {string.Join(", ", Keys(step))}");
            Assert.All(Keys(step).Except(kinds), key => Assert.Contains(key, stepKeys));
            if (kinds[0] == "task")
            {
                Assert.Matches(@"^[A-Za-z][A-Za-z0-9]*@\d+$", ((YamlScalarNode)step["task"]).Value);
            }
        }

        var variables = ((YamlSequenceNode)root["variables"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.All(variables, v => Assert.True(Keys(v).SequenceEqual(["group"]) || Keys(v).Order().SequenceEqual(["name", "value"]), $"A variable is a group or a name and a value: {string.Join(", ", Keys(v))}"));
        Assert.Contains(steps, s => Keys(s).Contains("condition") && ((YamlScalarNode)s["condition"]).Value == "canceled()");
    }

    [Fact]
    public async Task A_KAPT_error_of_a_real_build_is_an_annotation_through_the_GitHub_workflows_problem_matcher()
    {
        var matcher = GitHubProblemMatcher();
        var result = await FailingBuild().RunAsync(Token);

        Assert.NotEqual(0, result.ExitCode);
        var errorLines = result.Log.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains(": error KAPT", StringComparison.Ordinal)).ToList();
        Assert.True(errorLines.Count > 0, $"The build printed no KAPT error line:{Environment.NewLine}{result.Log}");
        foreach (var line in errorLines)
        {
            var match = matcher.Regex.Match(line);
            Assert.True(match.Success, $"The problem matcher does not match the build's error line:{Environment.NewLine}{line}");
            Assert.Equal(SampleProject, match.Groups[matcher.File].Value);
            Assert.Equal("error", match.Groups[matcher.Severity].Value);
            Assert.Equal("KAPT2008", match.Groups[matcher.Code].Value);
            Assert.StartsWith("KaptainWorkers is 0", match.Groups[matcher.Message].Value, StringComparison.Ordinal);
            Assert.DoesNotContain("[", match.Groups[matcher.Message].Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_KAPT_error_of_a_real_build_is_an_Azure_issue_through_the_pipelines_build_wrapper()
    {
        var agentTemp = Directory.CreateTempSubdirectory("kaptain-agent-temp-").FullName;
        try
        {
            // The agent replaces $(Agent.TempDirectory) in a bash step's script before it runs it.
            var setup = AzureStepScript("Kaptain errors as issues").Replace("$(Agent.TempDirectory)", agentTemp, StringComparison.Ordinal);
            (await new DotnetCommand("-c", setup) { Program = "bash" }.RunAsync(Token)).EnsureExitCode();

            var result = await new DotnetCommand(Path.Combine(agentTemp, "kaptain-build"), Sample, "-t:KaptainRender", "-p:KaptainWorkers=0", "-nologo")
            {
                Program = "bash",
            }.RunAsync(Token);

            Assert.NotEqual(0, result.ExitCode);
            var issues = result.Log.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("##vso[task.logissue ", StringComparison.Ordinal)).ToList();
            var issue = Assert.Single(issues);
            Assert.StartsWith($"##vso[task.logissue type=error;sourcepath={SampleProject};code=KAPT2008;]KaptainWorkers is 0", issue, StringComparison.Ordinal);
            Assert.Contains(": error KAPT2008: KaptainWorkers is 0", result.Log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(agentTemp, recursive: true);
        }
    }

    /// <summary>A build of the sample that fails with a KAPT error, as a pipeline runs it (no terminal).</summary>
    private static DotnetCommand FailingBuild() => new("build", Sample, "-t:KaptainRender", "-p:KaptainWorkers=0", "-nologo");

    private static async Task<IReadOnlyList<JsonObject>> ValidateWorkflowsAsync(params string[] files)
    {
        var script = Path.Combine(RepositoryPaths.ServersDirectory, "validate-github-workflow.mjs");
        Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.ServersDirectory, "node_modules", "@actions", "workflow-parser")), "Run: npm ci --prefix tests/servers");
        var result = await new DotnetCommand([script, .. files]) { Program = "node" }.RunAsync(Token);
        var lines = result.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).ToList();
        Assert.True(lines.Count == files.Length, $"The validator printed no result per file:{Environment.NewLine}{result.Log}");
        return [.. lines.Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    /// <summary>
    /// The matcher the workflow registers, read from its step and checked as the Actions runner does when it loads one
    /// (actions/runner, <c>src/Runner.Worker/IssueMatcher.cs</c>: a non-empty owner, one pattern, group indexes within the
    /// regex's groups, a message), with the runner's regex options (ECMAScript, culture-invariant).
    /// </summary>
    private static (Regex Regex, int File, int Severity, int Code, int Message) GitHubProblemMatcher()
    {
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)Load(GitHubWorkflow).RootNode)["jobs"])["lifecycle"])["steps"];
        var run = steps.Children.Cast<YamlMappingNode>()
            .Select(s => s.Children.TryGetValue(new YamlScalarNode("run"), out var r) ? ((YamlScalarNode)r).Value! : string.Empty)
            .Single(r => r.Contains("::add-matcher::", StringComparison.Ordinal));
        var json = HeredocJson().Match(run);
        Assert.True(json.Success, $"The matcher step writes no JSON file:{Environment.NewLine}{run}");
        var config = JsonNode.Parse(json.Groups["json"].Value)!["problemMatcher"]!.AsArray().Single()!;
        Assert.False(string.IsNullOrEmpty(config["owner"]?.GetValue<string>()), "The matcher needs an owner.");
        var pattern = config["pattern"]!.AsArray().Single()!;
        var regex = new Regex(pattern["regexp"]!.GetValue<string>(), RegexOptions.CultureInvariant | RegexOptions.ECMAScript);
        int Group(string name)
        {
            var index = pattern[name]!.GetValue<int>();
            Assert.InRange(index, 1, regex.GetGroupNumbers().Length - 1);
            return index;
        }

        return (regex, Group("file"), Group("severity"), Group("code"), Group("message"));
    }

    /// <summary>The script of the Azure pipeline's bash step named <paramref name="displayName"/>.</summary>
    private static string AzureStepScript(string displayName) =>
        ((YamlSequenceNode)((YamlMappingNode)Load(AzurePipeline).RootNode)["steps"]).Children.Cast<YamlMappingNode>()
        .Where(s => s.Children.TryGetValue(new YamlScalarNode("displayName"), out var name) && ((YamlScalarNode)name).Value == displayName)
        .Select(s => ((YamlScalarNode)s["bash"]).Value!)
        .Single();

    private static YamlDocument Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Single();
    }

    private static IReadOnlyList<string> Keys(YamlMappingNode node) => [.. node.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!)];

    [GeneratedRegex(@"<<'JSON'\n(?<json>.*?)\nJSON\n", RegexOptions.Singleline)]
    private static partial Regex HeredocJson();
}
