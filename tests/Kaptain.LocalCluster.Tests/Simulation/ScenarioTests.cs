using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Simulation;
using Xunit;

namespace Kaptain.LocalCluster.Tests.Simulation;

public sealed class ScenarioTests
{
    [Fact]
    public void Reads_outcome_time_logs_and_metrics()
    {
        var scenario = Scenario.Parse("succeed after=2s; log=\"epoch 1 loss=0.4\"; log=\"epoch 2 loss=0.2\"; metric accuracy=\"0.9-abs(lr-0.01)*10\"");

        Assert.Equal(ScenarioOutcome.Succeed, scenario.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(2), scenario.After);
        Assert.Equal(["epoch 1 loss=0.4", "epoch 2 loss=0.2"], scenario.Logs);
        var metric = Assert.Single(scenario.Metrics);
        Assert.Equal("accuracy", metric.Name);
        Assert.Equal(0.8, metric.Formula.Evaluate(new Dictionary<string, string> { ["lr"] = "0.02" }), 10);
        Assert.False(scenario.FailsOnRun(0));
    }

    [Fact]
    public void Fail_with_OOMKilled_exits_137_unless_told_otherwise()
    {
        var oom = Scenario.Parse("fail reason=OOMKilled after=1s");
        var custom = Scenario.Parse("fail reason=Evicted exit=3 message=\"node drained\"");

        Assert.Equal(ScenarioOutcome.Fail, oom.Outcome);
        Assert.Equal("OOMKilled", oom.Reason);
        Assert.Equal(137, oom.ExitCode);
        Assert.True(oom.FailsOnRun(0));
        Assert.Equal(3, custom.ExitCode);
        Assert.Equal("node drained", custom.Message);
    }

    [Fact]
    public void Crashloop_with_restarts_crashes_that_many_runs_then_succeeds()
    {
        var bounded = Scenario.Parse("crashloop restarts=2");
        var forever = Scenario.Parse("crashloop after=100ms");

        Assert.Equal([true, true, false], Enumerable.Range(0, 3).Select(bounded.FailsOnRun));
        Assert.True(forever.FailsOnRun(50));
        Assert.Equal(TimeSpan.FromMilliseconds(100), forever.After);
    }

    [Fact]
    public void Crash_serves_then_exits_on_every_run_with_its_exit_code()
    {
        var crash = Scenario.Parse("crash after=3s exit=137 reason=OOMKilled");

        Assert.Equal(ScenarioOutcome.Crash, crash.Outcome);
        Assert.True(crash.FailsOnRun(0));
        Assert.True(crash.FailsOnRun(7));
        Assert.Equal(137, crash.ExitCode);
        Assert.Equal(TimeSpan.FromSeconds(3), crash.After);
    }

    [Fact]
    public void Hang_and_pending_have_their_defaults()
    {
        Assert.Equal(ScenarioOutcome.Hang, Scenario.Parse("hang").Outcome);
        var pending = Scenario.Parse("pending");
        Assert.Equal(ScenarioOutcome.Pending, pending.Outcome);
        Assert.Equal("Unschedulable", pending.Reason);
    }

    [Fact]
    public void Quoted_values_keep_semicolons_and_escaped_quotes()
    {
        var scenario = Scenario.Parse("log=\"a; b \\\"quoted\\\"\"");

        Assert.Equal(ScenarioOutcome.Succeed, scenario.Outcome);
        Assert.Equal("a; b \"quoted\"", Assert.Single(scenario.Logs));
    }

    [Theory]
    [InlineData("explode")]
    [InlineData("succeed fail")]
    [InlineData("succeed after=soon")]
    [InlineData("succeed colour=red")]
    [InlineData("crashloop restarts=-1")]
    [InlineData("log=\"unclosed")]
    [InlineData("metric")]
    [InlineData("metric accuracy=\"lr+\"")]
    public void Malformed_scenarios_are_rejected(string text) =>
        Assert.Throws<ScenarioFormatException>(() => Scenario.Parse(text));

    [Fact]
    public void Scenario_file_matches_kind_and_name_pattern_first_rule_first()
    {
        var file = ScenarioFile.Parse("""
            # kind   name pattern   scenario
            TFJob    mnist-*        fail reason=OOMKilled
            tfjob    *              hang

            *        *-serving      pending
            """);

        Assert.Equal(3, file.Count);
        Assert.Equal(ScenarioOutcome.Fail, file.Find("TFJob", "mnist-train-1a2b")!.Outcome);
        Assert.Equal(ScenarioOutcome.Hang, file.Find("TFJob", "other")!.Outcome);
        Assert.Equal(ScenarioOutcome.Pending, file.Find("InferenceService", "mnist-serving")!.Outcome);
        Assert.Null(file.Find("Job", "mnist-train"));
    }

    [Theory]
    [InlineData("TFJob mnist-*")]
    [InlineData("TFJob mnist-* explode")]
    public void Scenario_file_with_a_bad_line_is_rejected(string line) =>
        Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse("# ok\n" + line));

    [Fact]
    public void Resolver_prefers_annotation_then_environment_then_file_then_default()
    {
        var resolver = new ScenarioResolver(ScenarioFile.Parse("Job train-* fail reason=FromFile\nTrial * hang"));
        JsonNode Template(string? annotation, string? environment) => JsonNode.Parse($$"""
            {
              "metadata": {"annotations": {{(annotation is null ? "{}" : $"{{\"local.kaptain.build/scenario\": \"{annotation}\"}}")}}},
              "spec": {"containers": [{"name": "main", "env": [{"name": "LOCAL_CLUSTER_SCENARIO", "value": "{{environment ?? string.Empty}}"}]}]}
            }
            """)!;

        var annotated = resolver.Resolve(new ScenarioSubject("Job", "train-1", null, Template("pending", "hang")));
        var fromEnvironment = resolver.Resolve(new ScenarioSubject("Job", "train-1", null, Template(null, "crashloop")));
        var fromFile = resolver.Resolve(new ScenarioSubject("Job", "train-1", null, Template(null, null)));
        var fromOwnerRule = resolver.Resolve(new ScenarioSubject("Job", "other", null, null), new ScenarioSubject("Trial", "t-1", null, null));
        var byDefault = resolver.Resolve(new ScenarioSubject("Job", "other", null, null));

        Assert.Equal(ScenarioOutcome.Pending, annotated.Outcome);
        Assert.Equal(ScenarioOutcome.CrashLoop, fromEnvironment.Outcome);
        Assert.Equal("FromFile", fromFile.Reason);
        Assert.Equal(ScenarioOutcome.Hang, fromOwnerRule.Outcome);
        Assert.True(byDefault.IsDefault);
        Assert.NotEmpty(byDefault.Logs);
    }

    [Fact]
    public void Annotation_on_the_resource_wins_over_its_template()
    {
        var resolver = new ScenarioResolver(ScenarioFile.Empty);
        var resource = JsonNode.Parse("""{"metadata": {"annotations": {"local.kaptain.build/scenario": "fail reason=Resource"}}}""");
        var template = JsonNode.Parse("""{"metadata": {"annotations": {"local.kaptain.build/scenario": "fail reason=Template"}}}""");

        Assert.Equal("Resource", resolver.Resolve(new ScenarioSubject("Job", "j", resource, template)).Reason);
    }
}
