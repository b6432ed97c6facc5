using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using k8s;
using Kaptain.LocalCluster.Hosting;

using Xunit;

namespace Kaptain.LocalCluster.Tests.ApiServer;

/// <summary>A local cluster started in-process for one test, with a KubernetesClient, raw HTTP and kubectl pointed at it.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly string _directory;

    private TestCluster(LocalClusterServer server, string directory, string kubeconfigPath)
    {
        Server = server;
        _directory = directory;
        KubeconfigPath = kubeconfigPath;
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        Http = new HttpClient { BaseAddress = server.Url };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Context.Options.Token);
    }

    public LocalClusterServer Server { get; }

    public Kubernetes Client { get; }

    public HttpClient Http { get; }

    public string KubeconfigPath { get; }

    public static async Task<TestCluster> StartAsync(Action<LocalClusterOptions>? configure = null)
    {
        var options = new LocalClusterOptions();
        configure?.Invoke(options);
        var server = await LocalClusterServer.StartAsync(options, TestContext.Current.CancellationToken);
        var directory = Directory.CreateTempSubdirectory("kaptain-localcluster-").FullName;
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        await server.WriteKubeconfigAsync(kubeconfig, TestContext.Current.CancellationToken);
        return new TestCluster(server, directory, kubeconfig);
    }

    /// <summary>Runs the real kubectl against the cluster; the result carries exit code and output (never throws on failure).</summary>
    public Task<BufferedCommandResult> KubectlAsync(params string[] args) => KubectlWithInputAsync(null, args);

    /// <summary>Runs kubectl with <paramref name="stdin"/> as its standard input.</summary>
    public async Task<BufferedCommandResult> KubectlWithInputAsync(string? stdin, params string[] args)
    {
        var command = Cli.Wrap("kubectl")
            .WithArguments([.. args, "--cache-dir", Path.Combine(_directory, "cache")])
            .WithEnvironmentVariables(e => e.Set("KUBECONFIG", KubeconfigPath).Set("HOME", _directory))
            .WithValidation(CommandResultValidation.None);
        if (stdin is not null) command = command.WithStandardInputPipe(PipeSource.FromString(stdin));
        return await command.ExecuteBufferedAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Sends a raw request and returns the status code and the JSON body (null if not JSON).</summary>
    public async Task<(int Code, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }
        return ((int)response.StatusCode, json, response);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // kubectl may still hold its cache; the temp directory is cleaned by the OS.
        }
    }
}
