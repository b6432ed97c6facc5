using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Json;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// Upstream etcd + kube-apiserver (+ kube-controller-manager when the assets have it) from <see cref="EnvtestAssets"/>,
/// on free 127.0.0.1 ports with token authentication and RBAC on — the processes and flags of
/// <c>../shared/envtest/start.sh</c> (tested for v1.20.2), key material made here with
/// System.Security.Cryptography — and every CRD of <c>../shared/crds</c> installed (with the JSON patch upstream installs
/// the legacy KFServing CRD with). Stopped by pid; a <see cref="ControlPlaneWatchdog"/> stops it if this process dies.
/// </summary>
public sealed class RealControlPlane : ApiServerUnderTest
{
    private const string ServiceCidr = "10.96.0.0/24";

    // Each wait is bounded; generously, because a loaded 2-core machine takes tens of seconds to establish the ~2 MB
    // KServe CRDs (kube-apiserver traces of 35 s were seen).
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _state;
    private readonly List<ControlPlaneProcess> _processes = [];
    private readonly ControlPlaneWatchdog _watchdog;
    private ControlPlanePki? _pki;
    private Uri? _url;
    private bool _hasControllers;

    private RealControlPlane(EnvtestAssets assets, string state)
    {
        Assets = assets;
        _state = state;
        _watchdog = ControlPlaneWatchdog.Start(state);
    }

    /// <summary>The binaries this control plane runs.</summary>
    public EnvtestAssets Assets { get; }

    /// <inheritdoc />
    public override string Name => "kube-apiserver v" + EnvtestAssets.Version;

    /// <inheritdoc />
    public override Uri Url => _url ?? throw new InvalidOperationException("Not started.");

    /// <inheritdoc />
    public override string AdminToken => Pki.AdminToken;

    /// <inheritdoc />
    public override byte[]? CaCertificate => Pki.CaCertificate;

    /// <inheritdoc />
    public override bool HasControllers => _hasControllers;

    /// <summary>The folder of state: key material, etcd data, <c>logs/</c>, <c>pids/</c>, <c>kubeconfig</c>.</summary>
    public string StateDirectory => _state;

    /// <summary>The admin kubeconfig file.</summary>
    public string KubeconfigPath => Path.Combine(_state, "kubeconfig");

    /// <summary>The pids of the running processes (etcd, kube-apiserver, kube-controller-manager).</summary>
    public IReadOnlyDictionary<string, int> Pids => _processes.ToDictionary(p => p.Name, p => p.Pid);

    /// <summary>The kube-apiserver's audit log (JSON lines): every request a ServiceAccount outside kube-system made, at
    /// the Metadata level (verb, resource, user, response code), written before the response is sent.</summary>
    public string AuditLogPath => Path.Combine(_state, "audit.log");

    /// <summary>The CRD files installed (from <c>../shared/crds</c>).</summary>
    public static string CrdDirectory => Path.Combine(RepositoryPaths.Shared, "crds");

    private ControlPlanePki Pki => _pki ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts the control plane and installs the CRDs; throws with the failing process's log tail.</summary>
    public static async Task<RealControlPlane> StartAsync(EnvtestAssets assets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assets);
        var state = Directory.CreateTempSubdirectory("kaptain-envtest-").FullName;
        var plane = new RealControlPlane(assets, state);
        try
        {
            await plane.StartProcessesAsync(cancellationToken).ConfigureAwait(false);
            await plane.InstallCrdsAsync(cancellationToken).ConfigureAwait(false);
            return plane;
        }
        catch
        {
            await plane.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }

        _processes.Clear();
        _watchdog.Dispose();
        TemporaryDirectory.Delete(_state);
    }

    /// <inheritdoc />
    protected override bool ServiceAccountsGetTokenSecrets => _hasControllers;

    /// <inheritdoc />
    public override IReadOnlyList<string> ForbiddenRequests(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        if (!File.Exists(AuditLogPath))
        {
            return [];
        }

        var forbidden = new List<string>();
        foreach (var (audit, username) in AuditEvents(AuditLogPath, $"system:serviceaccount:{@namespace}:", "\"code\":403"))
        {
            if (audit["responseStatus"]?["code"]?.GetValue<int>() != 403)
            {
                continue;
            }

            var target = audit["objectRef"];
            var resource = target?["resource"]?.GetValue<string>() + (target?["subresource"]?.GetValue<string>() is { } sub ? "/" + sub : string.Empty);
            var group = target?["apiGroup"]?.GetValue<string>() is { Length: > 0 } g ? g : "core";
            var name = target?["name"]?.GetValue<string>();
            forbidden.Add($"{audit["verb"]} {resource} ({group}){(name is null ? string.Empty : " " + name)} by {username}: {audit["requestURI"]}");
        }

        return forbidden;
    }

    /// <summary>
    /// The events of an API server's audit log (JSON lines) made by a user whose name starts with
    /// <paramref name="userPrefix"/>, with that name; only lines holding <paramref name="lineFilter"/> when given (a cheap
    /// test before the parse). Read while the server appends: shared, line by line; a last line being written is not yet
    /// JSON and is left out.
    /// </summary>
    public static IEnumerable<(JsonNode Audit, string User)> AuditEvents(string auditLog, string userPrefix, string? lineFilter)
    {
        ArgumentNullException.ThrowIfNull(auditLog);
        ArgumentNullException.ThrowIfNull(userPrefix);
        using var stream = new FileStream(auditLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains(userPrefix, StringComparison.Ordinal) || (lineFilter is not null && !line.Contains(lineFilter, StringComparison.Ordinal)))
            {
                continue;
            }

            JsonNode? audit;
            try
            {
                audit = JsonNode.Parse(line);
            }
            catch (System.Text.Json.JsonException)
            {
                continue;
            }

            if (audit?["user"]?["username"]?.GetValue<string>() is { } user && user.StartsWith(userPrefix, StringComparison.Ordinal))
            {
                yield return (audit, user);
            }
        }
    }

    /// <summary>
    /// The requests that would change something (create, update, patch, delete, deletecollection) a ServiceAccount of
    /// <paramref name="namespace"/> made, whatever the server answered, one line each (verb, URI, status code), from the
    /// audit log: what a test that promises "no change before the input is checked" counts on this server.
    /// </summary>
    public IReadOnlyList<string> MutatingRequests(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        if (!File.Exists(AuditLogPath))
        {
            return [];
        }

        var mutating = new List<string>();
        foreach (var (audit, _) in AuditEvents(AuditLogPath, $"system:serviceaccount:{@namespace}:", null))
        {
            var verb = audit["verb"]?.GetValue<string>();
            if (verb is "create" or "update" or "patch" or "delete" or "deletecollection")
            {
                mutating.Add($"{verb} {audit["requestURI"]}: {audit["responseStatus"]?["code"]}");
            }
        }

        return mutating;
    }

    /// <inheritdoc />
    protected override bool ValidateServerCertificate(X509Certificate2? certificate) => Pki.Issued(certificate);

    private async Task StartProcessesAsync(CancellationToken cancellationToken)
    {
        _pki = ControlPlanePki.Create(Path.Combine(_state, "pki"));
        var etcdClientPort = FreePort.Next();
        var etcdPeerPort = FreePort.Next();
        var apiServerPort = FreePort.Next();
        var controllerManagerPort = FreePort.Next();
        _url = new Uri($"https://127.0.0.1:{apiServerPort}/");
        await File.WriteAllTextAsync(KubeconfigPath, AdminKubeconfig(), cancellationToken).ConfigureAwait(false);

        var etcdUrl = $"http://127.0.0.1:{etcdClientPort}";
        var peerUrl = $"http://127.0.0.1:{etcdPeerPort}";
        var etcd = Start("etcd", Assets.Etcd,
            "--name", "envtest", "--data-dir", Path.Combine(_state, "etcd"),
            "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", "envtest=" + peerUrl,
            "--max-request-bytes", "10485760", "--quota-backend-bytes", "4294967296");
        using (var plain = new HttpClient())
        {
            await WaitAsync(etcd, StartTimeout, async token =>
            {
                using var response = await plain.GetAsync(new Uri(etcdUrl + "/health"), token).ConfigureAwait(false);
                return response.IsSuccessStatusCode;
            }, cancellationToken).ConfigureAwait(false);
        }

        // Which requests a test's ServiceAccount made and what the server answered (ForbiddenRequests): the controllers
        // in kube-system (kube-controller-manager runs each as its own ServiceAccount) are left out. Blocking mode: an
        // event is in the file before the response leaves the server (kubernetes/kubernetes
        // staging/src/k8s.io/apiserver/pkg/server/options/audit.go, the log backend's default mode).
        var auditPolicy = Path.Combine(_state, "audit-policy.yaml");
        await File.WriteAllTextAsync(auditPolicy, """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived, ResponseStarted]
            rules:
              - level: None
                userGroups: ["system:serviceaccounts:kube-system"]
              - level: Metadata
                userGroups: ["system:serviceaccounts"]
              - level: None
            """, cancellationToken).ConfigureAwait(false);
        var apiServer = Start("kube-apiserver", Assets.KubeApiServer,
            "--audit-policy-file=" + auditPolicy,
            "--audit-log-path=" + AuditLogPath,
            "--audit-log-format=json",
            "--audit-log-mode=blocking",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            "--secure-port=" + apiServerPort.ToString(CultureInfo.InvariantCulture), "--insecure-port=0",
            "--etcd-servers=" + etcdUrl,
            "--cert-dir=" + Pki.Directory,
            "--tls-cert-file=" + Pki.ServingCertificatePath, "--tls-private-key-file=" + Pki.ServingKeyPath,
            "--client-ca-file=" + Pki.CaCertificatePath,
            "--token-auth-file=" + Pki.TokenFilePath,
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=" + Pki.ServiceAccountPublicKeyPath,
            "--service-account-signing-key-file=" + Pki.ServiceAccountKeyPath,
            "--service-cluster-ip-range=" + ServiceCidr,
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true",
            "--profiling=false");
        using var admin = CreateHttpClient();
        await WaitAsync(apiServer, StartTimeout, async token =>
        {
            using var response = await admin.GetAsync(new Uri("readyz", UriKind.Relative), token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }, cancellationToken).ConfigureAwait(false);

        if (!Assets.HasControllerManager)
        {
            return;
        }

        var controllerManagerKubeconfig = Path.Combine(_state, "controller-manager.kubeconfig");
        await File.WriteAllTextAsync(controllerManagerKubeconfig,
            KubeconfigFile.Render(Url, Pki.ControllerManagerToken, "default", CaCertificate, "system:kube-controller-manager"), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(controllerManagerKubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        var controllerManager = Start("kube-controller-manager", Assets.KubeControllerManager,
            "--kubeconfig=" + controllerManagerKubeconfig,
            "--authentication-kubeconfig=" + controllerManagerKubeconfig,
            "--authorization-kubeconfig=" + controllerManagerKubeconfig,
            "--bind-address=127.0.0.1", "--secure-port=" + controllerManagerPort.ToString(CultureInfo.InvariantCulture), "--port=0",
            "--cert-dir=" + Path.Combine(_state, "kcm-certs"),
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            "--service-account-private-key-file=" + Pki.ServiceAccountKeyPath,
            "--root-ca-file=" + Pki.CaCertificatePath,
            "--controllers=job,cronjob,garbagecollector,namespace,serviceaccount,serviceaccount-token,replicaset,deployment,statefulset,resourcequota,root-ca-cert-publisher",
            "--profiling=false");
        using var insecure = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        await WaitAsync(controllerManager, StartTimeout, async token =>
        {
            using var response = await insecure.GetAsync(new Uri($"https://127.0.0.1:{controllerManagerPort}/healthz"), token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }, cancellationToken).ConfigureAwait(false);
        _hasControllers = true;

        // Pods can be created in "default" only once the service-account controller made its ServiceAccount.
        await WaitAsync(controllerManager, StartTimeout, async token =>
        {
            using var response = await admin.GetAsync(new Uri("api/v1/namespaces/default/serviceaccounts/default", UriKind.Relative), token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task InstallCrdsAsync(CancellationToken cancellationToken)
    {
        var directory = CrdDirectory;
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0)
        {
            throw new InvalidOperationException(
                $"No CRDs in {directory}: the tests expect the shared/ folder beside the repository root ({RepositoryPaths.Root}).");
        }

        using var admin = CreateHttpClient();
        var names = new List<string>();
        foreach (var file in files)
        {
            var crd = YamlToJson.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false))
                ?? throw new InvalidOperationException($"{file} is empty.");

            // Upstream installs some CRDs with a JSON patch (kustomize patchesJson6902); apply the same one.
            var patch = Path.Combine(directory, "patches", Path.GetFileNameWithoutExtension(file) + ".protocol.yaml");
            if (File.Exists(patch))
            {
                var operations = YamlToJson.Parse(await File.ReadAllTextAsync(patch, cancellationToken).ConfigureAwait(false)) as JsonArray
                    ?? throw new InvalidOperationException($"{patch} is not a JSON patch (a list of operations).");
                crd = JsonPatchDocument.Apply(crd, operations) ?? throw new InvalidOperationException($"{patch} left nothing of {file}.");
            }

            // create, not apply: server-side apply on v1.20 rejects fields newer than its CRD schema
            // (x-kubernetes-validations), create decodes leniently and drops them (see ../shared/envtest/start.sh).
            try
            {
                // Some are still apiextensions.k8s.io/v1beta1 (the legacy KFServing CRD): post each to its own version.
                var apiVersion = crd["apiVersion"]?.GetValue<string>() ?? "apiextensions.k8s.io/v1";
                await SendAsync(admin, HttpMethod.Post, $"apis/{apiVersion}/customresourcedefinitions", crd, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new InvalidOperationException($"{Name} rejected the CRD {file}: {e.Message}", e);
            }

            names.Add(crd["metadata"]!["name"]!.GetValue<string>());
        }

        var apiServer = _processes.Single(p => p.Name == "kube-apiserver");
        foreach (var name in names)
        {
            await WaitAsync(apiServer, StartTimeout, async token =>
            {
                var crd = await SendAsync(admin, HttpMethod.Get, $"apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}", null, token).ConfigureAwait(false);
                return crd["status"]?["conditions"] is JsonArray conditions
                    && conditions.Any(c => c?["type"]?.GetValue<string>() == "Established" && c["status"]?.GetValue<string>() == "True");
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private ControlPlaneProcess Start(string name, string fileName, params string[] arguments)
    {
        var process = ControlPlaneProcess.Start(name, _state, fileName, arguments);
        _processes.Add(process);
        return process;
    }

    private static async Task WaitAsync(ControlPlaneProcess process, TimeSpan timeout, Func<CancellationToken, Task<bool>> ready, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited while starting. The end of {process.LogPath}:{Environment.NewLine}{process.LogTail()}");
            }

            try
            {
                if (await ready(deadline.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        throw new TimeoutException($"{process.Name} was not ready within {timeout.TotalSeconds:0} s. The end of {process.LogPath}:{Environment.NewLine}{process.LogTail()}");
    }
}
