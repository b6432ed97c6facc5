using System.Text.Json.Nodes;
using Kaptain.Build.Cluster;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class LastKnownStatesTests
{
    // A Trial as Katib writes it: the experiment's trial template, rendered into the run spec, is most of it.
    private static JsonObject Trial(int i) => new()
    {
        ["apiVersion"] = "kubeflow.org/v1beta1",
        ["kind"] = "Trial",
        ["metadata"] = new JsonObject
        {
            ["name"] = $"tune-abc-{i:x8}",
            ["namespace"] = "models",
            ["uid"] = Guid.NewGuid().ToString(),
            ["resourceVersion"] = (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["labels"] = new JsonObject { ["katib.kubeflow.org/experiment"] = "tune-abc" },
        },
        ["spec"] = new JsonObject
        {
            ["parameterAssignments"] = new JsonArray(new JsonObject { ["name"] = "lr", ["value"] = (0.001 * i).ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            ["runSpec"] = JsonNode.Parse("""{"apiVersion":"kubeflow.org/v1","kind":"PyTorchJob","spec":{"pytorchReplicaSpecs":{"Master":{"replicas":1,"template":{"spec":{"containers":[{"name":"pytorch","image":"registry.example/models/mnist@sha256:0123456789abcdef","command":["python","/app/mnist.py","--lr=${trialParameters.lr}"],"env":[{"name":"AWS_ACCESS_KEY_ID","valueFrom":{"secretKeyRef":{"name":"tune-abc-s3","key":"AWS_ACCESS_KEY_ID"}}},{"name":"AWS_SECRET_ACCESS_KEY","valueFrom":{"secretKeyRef":{"name":"tune-abc-s3","key":"AWS_SECRET_ACCESS_KEY"}}}]}]}}}}}}"""),
        },
        ["status"] = new JsonObject
        {
            ["startTime"] = "2026-12-01T10:00:00Z",
            ["conditions"] = new JsonArray([.. new[] { "Created", "Running", "Succeeded" }.Select(type => (JsonNode)new JsonObject
            {
                ["type"] = type,
                ["status"] = "True",
                ["reason"] = "Trial" + type,
                ["message"] = $"Trial is {type.ToLowerInvariant()}",
                ["lastUpdateTime"] = "2026-12-01T10:00:01Z",
                ["lastTransitionTime"] = "2026-12-01T10:00:01Z",
            })]),
        },
    };

    [Fact]
    public void A_taken_state_is_the_remembered_one_exactly_and_is_forgotten()
    {
        var states = new LastKnownStates();
        var first = Trial(1);
        states.Set("a", Trial(0));
        states.Set("a", first);
        states.Set("b", Trial(2));

        var taken = states.Take("a")!;

        Assert.Equal(first.ToJsonString(), taken.ToJsonString());
        Assert.False(states.Contains("a"));
        Assert.Equal(["b"], states.Names);
    }

    [Fact]
    public void A_thousand_trials_cost_less_than_60_percent_of_their_json()
    {
        var states = new LastKnownStates();
        long json = 0;
        for (var i = 0; i < 1000; i++)
        {
            var trial = Trial(i);
            json += System.Text.Encoding.UTF8.GetByteCount(trial.ToJsonString());
            states.Set(trial["metadata"]!["name"]!.GetValue<string>(), trial);
        }

        Assert.Equal(1000, states.Count);
        Assert.True(states.RetainedBytes * 10 < json * 6, $"{states.RetainedBytes} bytes kept for {json} bytes of JSON");
    }

    [Fact]
    public void Without_states_only_the_names_are_kept_and_a_taken_state_is_null()
    {
        var states = new LastKnownStates(keepStates: false);
        for (var i = 0; i < 1000; i++)
        {
            var trial = Trial(i);
            states.Set(trial["metadata"]!["name"]!.GetValue<string>(), trial);
            states.Set(trial["metadata"]!["name"]!.GetValue<string>(), trial);
        }

        Assert.Equal(1000, states.Count);
        Assert.Equal(0, states.RetainedBytes);
        Assert.True(states.Contains("tune-abc-00000007"));
        Assert.Null(states.Take("tune-abc-00000007"));
        Assert.False(states.Contains("tune-abc-00000007"));
    }

    [Fact]
    public void Removing_an_unknown_name_is_no_error()
    {
        var states = new LastKnownStates();
        states.Remove("none");
        states.Set("a", Trial(0));
        states.Remove("a");

        Assert.Equal(0, states.Count);
    }
}
