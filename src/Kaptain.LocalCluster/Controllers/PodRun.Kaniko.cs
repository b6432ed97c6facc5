using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Simulation;

namespace Kaptain.LocalCluster.Controllers;

/// <summary>A Kaniko executor container: a real build from the S3 context to the registry, and the inputs (environment,
/// mounted docker config) the kubelet resolves from Secrets and ConfigMaps before any container starts.</summary>
internal sealed partial class PodRun
{
    private async Task<Exit> RunKanikoAsync(PodInputs inputs, CancellationToken cancellationToken)
    {
        KanikoInvocation invocation;
        try
        {
            invocation = KanikoInvocation.Parse(Args(FirstContainer), inputs.Environment);
        }
        catch (KanikoFailure failure)
        {
            _cluster.Logs.Append(_ns, _name, _containers[0], failure.Message);
            return new Exit(1, "Error", null);
        }

        var build = new KanikoBuild(invocation, inputs.DockerConfig, _cluster.Time);
        var result = await build.RunAsync(
            (line, _) =>
            {
                _cluster.Logs.Append(_ns, _name, _containers[0], line);
                return Task.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);

        // --digest-file=/dev/termination-log puts the digest in the container's termination message, as on a real node.
        // A failed Kaniko writes no digest file (kaniko cmd/executor/cmd/root.go: the error is printed, the process
        // exits 1): the message is empty, or the log's tail under FallbackToLogsOnError.
        return result.Succeeded
            ? new Exit(0, "Completed", invocation.DigestFile == "/dev/termination-log" ? result.Digest : null)
            : new Exit(1, "Error", null);
    }

    /// <summary>The environment of the first container and the mounted docker config, resolved from Secrets and
    /// ConfigMaps as the kubelet does; a missing one keeps the pod from starting, as on a real node.</summary>
    private PodInputs ResolveInputs()
    {
        var environment = ContainerEnvironment.Resolve(_cluster.Store, _ns, FirstContainer);
        if (environment.Problem is { } problem)
        {
            return PodInputs.Failed("CreateContainerConfigError", problem, "Failed", $"Error: {problem}");
        }

        string? dockerConfig = null;
        var mount = (FirstContainer?["volumeMounts"] as JsonArray ?? []).FirstOrDefault(m => ObjectFields.Text(m?["mountPath"])?.TrimEnd('/') == "/kaniko/.docker");
        var volume = mount is null ? null : (_pod["spec"]?["volumes"] as JsonArray ?? []).FirstOrDefault(v => ObjectFields.Text(v?["name"]) == ObjectFields.Text(mount["name"]));
        if (volume?["secret"] is { } secretVolume)
        {
            var secretName = ObjectFields.Text(secretVolume["secretName"]) ?? string.Empty;
            var data = ContainerEnvironment.SecretData(_cluster.Store, _ns, secretName);
            if (data is null)
            {
                return PodInputs.Failed("ContainerCreating", null, "FailedMount", $"MountVolume.SetUp failed for volume \"{ObjectFields.Text(volume["name"])}\" : secret \"{secretName}\" not found");
            }

            // The file config.json exists when an item projects a key to it, or without items when a key is named so.
            var items = secretVolume["items"] as JsonArray;
            var key = items is null
                ? "config.json"
                : items.Where(i => ObjectFields.Text(i?["path"]) == "config.json").Select(i => ObjectFields.Text(i?["key"])).FirstOrDefault();
            if (key is not null)
            {
                dockerConfig = data.GetValueOrDefault(key);
            }
        }

        return new PodInputs(environment.Variables, dockerConfig, null);
    }

    /// <summary>Reads the Secrets and ConfigMaps the pod refers to from the server, as the kubelet does before it
    /// starts the containers (they may have been created a moment before the pod).</summary>
    private async Task RefreshInputsAsync(CancellationToken cancellationToken)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in (_pod["spec"]?["containers"] as JsonArray ?? []).Concat(_pod["spec"]?["initContainers"] as JsonArray ?? []))
        {
            foreach (var env in container?["env"] as JsonArray ?? [])
            {
                if (ObjectFields.Text(env?["valueFrom"]?["secretKeyRef"]?["name"]) is { } secret) secrets.Add(secret);
                if (ObjectFields.Text(env?["valueFrom"]?["configMapKeyRef"]?["name"]) is { } configMap) configMaps.Add(configMap);
            }

            foreach (var source in container?["envFrom"] as JsonArray ?? [])
            {
                if (ObjectFields.Text(source?["secretRef"]?["name"]) is { } secret) secrets.Add(secret);
                if (ObjectFields.Text(source?["configMapRef"]?["name"]) is { } configMap) configMaps.Add(configMap);
            }
        }

        foreach (var volume in _pod["spec"]?["volumes"] as JsonArray ?? [])
        {
            if (ObjectFields.Text(volume?["secret"]?["secretName"]) is { } secret) secrets.Add(secret);
            if (ObjectFields.Text(volume?["configMap"]?["name"]) is { } configMap) configMaps.Add(configMap);
        }

        foreach (var secret in secrets)
        {
            await _cluster.Store.ReadAsync(BuiltInResources.Secret, _ns, secret, cancellationToken).ConfigureAwait(false);
        }

        foreach (var configMap in configMaps)
        {
            await _cluster.Store.ReadAsync(BuiltInResources.ConfigMap, _ns, configMap, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record PodInputs(IReadOnlyDictionary<string, string> Environment, string? DockerConfig, PodInputs.Blocker? Problem)
    {
        public static PodInputs Failed(string reason, string? message, string eventReason, string eventMessage) =>
            new(new Dictionary<string, string>(), null, new Blocker(reason, message, eventReason, eventMessage));

        public sealed record Blocker(string Reason, string? Message, string EventReason, string EventMessage);
    }
}
