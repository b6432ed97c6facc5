using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests;

public sealed class ManifestRendererTests
{
    [Theory]
    [InlineData("tensorflow")]
    [InlineData("pytorch")]
    public async Task Every_step_renders_to_yaml(string framework)
    {
        using var project = new TestModelProject(framework);
        var model = project.Model();
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        var run = RunContext.ForRender(model, context);
        foreach (var step in LifecycleStepNames.All)
        {
            var yaml = ManifestRenderer.RenderYaml(model, step, run);
            Assert.Contains("kaptain.build/step: " + step.LabelValue(), yaml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Rendering_the_same_model_twice_writes_the_same_text()
    {
        using var project = new TestModelProject();
        var first = await RenderAllAsync(project);
        var second = await RenderAllAsync(project);

        Assert.Equal(first, second);

        project.Write("train.py", "print('accuracy=0.95')\n");
        Assert.NotEqual(first, await RenderAllAsync(project));
    }

    private static async Task<string> RenderAllAsync(TestModelProject project)
    {
        var model = project.Model();
        var context = await BuildContextBuilder.CreateAsync(model, TestContext.Current.CancellationToken);
        var run = RunContext.ForRender(model, context);
        return string.Concat(LifecycleStepNames.All.Select(step => ManifestRenderer.RenderYaml(model, step, run)));
    }
}
