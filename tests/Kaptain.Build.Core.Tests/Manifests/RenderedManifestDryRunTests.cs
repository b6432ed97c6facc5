using System.Diagnostics;
using Kaptain.Build.Context;
using Kaptain.Build.Manifests;
using Kaptain.Build.Model;
using Kaptain.Testing.ControlPlane;

namespace Kaptain.Build.Core.Tests.Manifests;

/// <summary>
/// Every rendered file (<c>KaptainRender</c>'s output, Secrets redacted) is accepted by a real kube-apiserver: applied
/// with <c>kubectl apply --dry-run=server</c>, so admission, built-in validation (a <c>kubernetes.io/dockerconfigjson</c>
/// Secret must hold a docker config) and the CRDs' structural schemas all check it.
/// </summary>
public sealed class RenderedManifestDryRunTests(RealControlPlaneFixture fixture) : IClassFixture<RealControlPlaneFixture>
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "pytorch", "" },
        { "tensorflow", "" },
        { "pytorch", "KaptainRegistryCaFile=ca.pem" },
        { "tensorflow", "KaptainDeploymentMode=RawDeployment" },
        { "pytorch", "KaptainServingApiGroup=serving.kubeflow.org" },
        { "pytorch", "KaptainCanaryTrafficPercent=10;KaptainGpus=1;KaptainWorkers=3" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_rendered_file_passes_a_real_API_servers_dry_run(string framework, string options)
    {
        var plane = fixture.Require();
        var token = TestContext.Current.CancellationToken;
        using var project = new TestModelProject(framework);
        var ns = $"dryrun-{Guid.NewGuid():n}"[..20];
        project.Properties[ModelProperties.Namespace] = ns;
        foreach (var option in options.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = (option[..option.IndexOf('=', StringComparison.Ordinal)], option[(option.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            project.Properties[name] = name == ModelProperties.RegistryCaFile ? project.Write(value, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n") : value;
        }

        var model = project.Model();
        var directory = Path.Combine(project.Root, "manifests");
        var files = await ManifestDirectory.RenderAsync(model, directory, token);
        Assert.Equal(4, files.Count(f => f.Rendered));
        await KubectlAsync(plane, $"create namespace {ns}", token);

        foreach (var file in files.Where(f => f.Rendered))
        {
            var (exit, output) = await KubectlAsync(plane, $"apply --dry-run=server -f {file.Path}", token, check: false);
            Assert.True(exit == 0, $"{Path.GetFileName(file.Path)} was rejected:\n{output}\n---\n{await File.ReadAllTextAsync(file.Path, token)}");
            Assert.Contains("(server dry run)", output, StringComparison.Ordinal);
        }
    }

    private static async Task<(int Exit, string Output)> KubectlAsync(RealControlPlane plane, string arguments, CancellationToken token, bool check = true)
    {
        var start = new ProcessStartInfo("kubectl", $"--kubeconfig {plane.KubeconfigPath} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(token);
        var stderr = process.StandardError.ReadToEndAsync(token);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        var output = await stdout + await stderr;
        Assert.True(!check || process.ExitCode == 0, $"kubectl {arguments}: {output}");
        return (process.ExitCode, output);
    }
}
