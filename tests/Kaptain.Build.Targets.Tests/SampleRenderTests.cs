using Kaptain.Build.Targets.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.Targets.Tests;

/// <summary>
/// `dotnet build -t:KaptainRender` of each sample as a user runs it: a copy of the sample outside this repository that
/// consumes the packed Kaptain.Build package from a local feed.
/// </summary>
[Collection(DotnetProcesses.Collection)]
public sealed class SampleRenderTests
{
    public static TheoryData<string, string> Samples => new()
    {
        { "mnist-pytorch", "PyTorchJob" },
        { "mnist-tensorflow", "TFJob" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_sample_consuming_the_package_renders_every_step(string sample, string trainingKind)
    {
        var package = await PackedPackage.GetAsync();
        var directory = package.CopySample(sample);
        var manifests = Path.Combine(directory, "obj", "kaptain", "manifests");

        await RenderAsync(package, directory);

        Assert.Equal(["Secret", "Secret", "Job"], RenderedManifests.Kinds(Path.Combine(manifests, "build.yaml")).Order().Reverse());
        Assert.Equal(["Secret", trainingKind], RenderedManifests.Kinds(Path.Combine(manifests, "train.yaml")));
        Assert.Equal(["Secret", "Experiment"], RenderedManifests.Kinds(Path.Combine(manifests, "tune.yaml")));
        Assert.Equal(["InferenceService", "Secret", "ServiceAccount"], RenderedManifests.Kinds(Path.Combine(manifests, "publish.yaml")).Order());

        // Secret data is redacted: every value is the placeholder.
        var secrets = RenderedManifests.Steps
            .SelectMany(s => RenderedManifests.Documents(Path.Combine(manifests, s + ".yaml")))
            .Where(d => RenderedManifests.Kind(d) == "Secret")
            .ToList();
        // Build: S3 and docker config; train and tune: the S3 Secret the training uploads the model with; publish: S3.
        Assert.Equal(5, secrets.Count);
        var values = secrets.SelectMany(RenderedManifests.SecretValues).ToList();
        Assert.NotEmpty(values);
        // A docker config stays a docker config (a real API server checks it), with the placeholder for each credential.
        Assert.All(values, v => Assert.Equal(Kaptain.Build.Manifests.SecretValues.Redacted, v.StartsWith('{') ? RedactedAuths(v) : v));
    }

    [Fact]
    public async Task A_second_render_of_an_unchanged_sample_rewrites_nothing()
    {
        var package = await PackedPackage.GetAsync();
        var directory = package.CopySample("mnist-pytorch");
        var manifests = Path.Combine(directory, "obj", "kaptain", "manifests");

        await RenderAsync(package, directory);
        var first = RenderedManifests.Timestamps(manifests);
        await RenderAsync(package, directory);
        Assert.Equal(first, RenderedManifests.Timestamps(manifests));

        // A value given on the command line is a change: the step that uses it is rewritten, the others are not.
        await RenderAsync(package, directory, "-p:KaptainTrials=20");
        var third = RenderedManifests.Timestamps(manifests);
        Assert.NotEqual(first["tune"], third["tune"]);
        Assert.Equal(first["build"], third["build"]);
        Assert.Contains("maxTrialCount: 20", await File.ReadAllTextAsync(Path.Combine(manifests, "tune.yaml"), TestContext.Current.CancellationToken));
    }

    private static async Task RenderAsync(PackedPackage package, string directory, params string[] arguments)
    {
        var command = new DotnetCommand(["build", "-t:KaptainRender", .. arguments]) { WorkingDirectory = directory };
        foreach (var (name, value) in package.ConsumerEnvironment())
        {
            command.WithEnvironment(name, value);
        }

        (await command.RunAsync(TestContext.Current.CancellationToken)).EnsureExitCode();
    }

    /// <summary>The one value every credential of a docker config JSON has, or a description of the mix.</summary>
    private static string RedactedAuths(string dockerConfig)
    {
        var auths = System.Text.Json.Nodes.JsonNode.Parse(dockerConfig)!["auths"]!.AsObject();
        Assert.NotEmpty(auths);
        var credentials = auths.Select(a => a.Value!["auth"]?.GetValue<string>()).Distinct().ToList();
        return credentials.Count == 1 && credentials[0] is { } only ? only : string.Join(",", credentials);
    }
}
