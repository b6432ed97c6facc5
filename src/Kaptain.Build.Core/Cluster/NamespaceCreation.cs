using System.Net;
using k8s;
using k8s.Models;

namespace Kaptain.Build.Cluster;

/// <summary>
/// <c>KaptainCreateNamespace</c>: creates the connection's namespace when it does not exist, as helm's
/// <c>--create-namespace</c> does (helm/helm <c>pkg/action/install.go</c>: create, and take "already exists" as done).
/// The namespace is not recorded in the run's journal: it outlives the run (a kept training job or a published model lives
/// in it), so neither cleanup nor a sweep ever removes it.
/// </summary>
internal static class NamespaceCreation
{
    private static readonly ResourceKind Kind = new("", "v1", "Namespace", "namespaces", DeletePropagation.Background);

    /// <summary>Creates <see cref="KubernetesConnection.Namespace"/> unless it exists.</summary>
    /// <returns><see langword="true"/> when this call created it.</returns>
    /// <exception cref="Diagnostics.KaptainException">The coded API failure (<c>KAPT1008</c> when creating namespaces is forbidden).</exception>
    public static async Task<bool> EnsureAsync(KubernetesConnection connection, ClusterResilience resilience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(resilience);
        var name = connection.Namespace;
        try
        {
            // Reading first means a user who may not create namespaces, but whose namespace exists, never needs the verb.
            var exists = await resilience.ExecuteAsync(
                async token =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                    timeout.CancelAfter(connection.RequestTimeout);
                    try
                    {
                        using var response = await connection.Client.CoreV1
                            .ReadNamespaceWithHttpMessagesAsync(name, cancellationToken: timeout.Token).ConfigureAwait(false);
                        return true;
                    }
                    catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.NotFound)
                    {
                        return false;
                    }
                },
                cancellationToken).ConfigureAwait(false);
            if (exists)
            {
                return false;
            }

            return await resilience.ExecuteAsync(
                async token =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                    timeout.CancelAfter(connection.RequestTimeout);
                    try
                    {
                        var body = new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } };
                        using var response = await connection.Client.CoreV1
                            .CreateNamespaceWithHttpMessagesAsync(body, cancellationToken: timeout.Token).ConfigureAwait(false);
                        return true;
                    }
                    catch (Exception exception) when (ClusterApiErrors.StatusCode(exception) == HttpStatusCode.Conflict)
                    {
                        // Created meanwhile (another build, or a retried create that had reached the server).
                        return false;
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ClusterApiErrors.IsApiFailure(exception, cancellationToken))
        {
            throw ClusterApiErrors.Translate(connection, exception, "create", Kind, name, name);
        }
    }
}
