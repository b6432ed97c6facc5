using System.Collections.Concurrent;
using Kaptain.Build.Cluster;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The one place a step turns a 403 on a side request (log streaming, Events, pod and trial watches, Knative
/// Revisions, the wait until deleted objects are gone) into a warning: <c>KAPT5070</c> when the step goes without what
/// it asked for, <c>KAPT5071</c> when it falls back to another request. Each names the verb, the resource, the
/// namespace, the account the server refused, and the Role of <c>samples/rbac/kaptain-build-role.yaml</c> that grants
/// the verb; each verb and resource is reported once per step.
/// </summary>
internal sealed class RefusedSideRequests(LifecycleRun run, string role) : IRefusedRequestReport
{
    private readonly ConcurrentDictionary<string, bool> reported = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>The shipped Role of a step (<c>undeploy</c> and the canary's are publish's).</summary>
    public static string RoleOf(string step) => step switch
    {
        "build-image" => "kaptain-build-image",
        "train" => "kaptain-train",
        "tune" => "kaptain-tune",
        "cleanup" => "kaptain-cleanup",
        _ => "kaptain-publish",
    };

    /// <inheritdoc />
    public bool Refused(KaptainException exception, string missed, string? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Request is not { IsForbidden: true } request)
        {
            return false;
        }

        if (reported.TryAdd($"{request.Verb} {request.Resource}", true))
        {
            var account = request.Account ?? $"the user of kubeconfig context {run.Connection.ContextName ?? "(in-cluster)"}";
            var warning = fallback is null
                ? KaptainDiagnostic.Warning("KAPT5070", request.Resource, request.Verb, request.Resource, request.Namespace, account, missed, role)
                : KaptainDiagnostic.Warning("KAPT5071", request.Resource, request.Verb, request.Resource, request.Namespace, account, fallback, missed, role);

            // The helpers run side by side (log followers, pod watches); the log takes one call at a time.
            lock (gate)
            {
                run.Warn(warning);
            }
        }

        return true;
    }
}
