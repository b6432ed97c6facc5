using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kaptain.LocalCluster.Logs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kaptain.LocalCluster.Operators;

/// <summary>
/// The kubelet API's log endpoint, <c>GET /containerLogs/{namespace}/{pod}/{container}</c> with <c>follow</c>,
/// <c>previous</c>, <c>tailLines</c>, <c>timestamps</c> and <c>limitBytes</c>, over HTTPS with a self-signed
/// certificate on 127.0.0.1 (kubernetes <c>pkg/kubelet/server/server.go</c>, <c>getContainerLogs</c>). An API server
/// proxies <c>pods/{name}/log</c> here, to the Node's InternalIP and <c>daemonEndpoints.kubeletEndpoint.Port</c>,
/// and relays a 400's text as the Status message (<c>GenericHttpResponseChecker</c> in apiserver's
/// <c>registry/generic/rest/streamer.go</c>).
/// </summary>
internal sealed class KubeletLogServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KubeletLogServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The HTTPS port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Starts serving <paramref name="logs"/> on a free port.</summary>
    public static async Task<KubeletLogServer> StartAsync(PodLogStore logs, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var certificate = SelfSignedCertificate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(KubeletLogServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        app.Run(context => ServeAsync(logs, context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KubeletLogServer(app, new Uri(address).Port);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>RFC 3339 with nanoseconds and trailing zeros dropped, as Go's <c>time.RFC3339Nano</c> (the kubelet's
    /// <c>timestamps=true</c> prefix).</summary>
    internal static string Rfc3339Nano(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : string.Empty) + "Z";
    }

    private static async Task ServeAsync(PodLogStore logs, HttpContext context)
    {
        var parts = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/');
        if (context.Request.Method != "GET" || parts.Length != 4 || parts[0] != "containerLogs")
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("404 page not found\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var (ns, pod, container) = (Uri.UnescapeDataString(parts[1]), Uri.UnescapeDataString(parts[2]), Uri.UnescapeDataString(parts[3]));
        var query = context.Request.Query;
        var previous = IsTrue(query["previous"]);
        var follow = IsTrue(query["follow"]);
        var timestamps = IsTrue(query["timestamps"]);
        int? tail = int.TryParse(query["tailLines"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
        long? limitBytes = long.TryParse(query["limitBytes"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : null;

        // The kubelet's own checks (validateContainerLogStatus), answered as plain-text 400s.
        string? problem = null;
        if (previous && !logs.HasPrevious(ns, pod, container))
        {
            problem = $"previous terminated container \"{container}\" in pod \"{pod}\" not found";
        }
        else if (!previous && !logs.HasStarted(ns, pod, container))
        {
            problem = $"container \"{container}\" in pod \"{pod}\" is waiting to start: ContainerCreating";
        }

        if (problem is not null)
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(problem, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        long written = 0;
        async Task<bool> WriteAsync(PodLogLine line)
        {
            var bytes = Encoding.UTF8.GetBytes((timestamps ? Rfc3339Nano(line.Timestamp) + " " : string.Empty) + line.Text + "\n");
            if (limitBytes is long limit && written + bytes.Length > limit)
            {
                bytes = bytes[..(int)(limit - written)];
            }

            written += bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return limitBytes is not long max || written < max;
        }

        try
        {
            if (previous || !follow)
            {
                var lines = logs.Read(ns, pod, container, previous);
                foreach (var line in tail is int n ? lines.Skip(Math.Max(0, lines.Count - n)) : lines)
                {
                    if (!await WriteAsync(line).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                return;
            }

            await foreach (var line in logs.FollowAsync(ns, pod, container, tail, context.RequestAborted).ConfigureAwait(false))
            {
                if (!await WriteAsync(line).ConfigureAwait(false))
                {
                    break;
                }

                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The API server (or its client) stopped following.
        }
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kaptain-simulated-kubelet", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));

        // Kestrel needs the private key in a form it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
