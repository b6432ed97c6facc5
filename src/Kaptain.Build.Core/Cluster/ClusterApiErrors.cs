using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Kaptain.Build.Diagnostics;

namespace Kaptain.Build.Cluster;

/// <summary>Turns what KubernetesClient throws into coded diagnostics that name the request and what to do.</summary>
internal static partial class ClusterApiErrors
{
    /// <summary>Whether the exception came from talking to the API (as opposed to a bug or the caller's cancellation).</summary>
    public static bool IsApiFailure(Exception exception, CancellationToken callerToken) =>
        exception is HttpOperationException or HttpRequestException or IOException
        || (exception is OperationCanceledException && !callerToken.IsCancellationRequested);

    /// <summary>The HTTP status of a failed request, if the server answered.</summary>
    public static HttpStatusCode? StatusCode(Exception exception) =>
        exception is HttpOperationException { Response: { } response } ? response.StatusCode : null;

    /// <summary>The <c>Status</c> object the server sent with an error, if it sent one.</summary>
    public static V1Status? Status(Exception exception)
    {
        if (exception is not HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            return null;
        }

        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(content);
            return status?.Kind == "Status" ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Builds the coded exception for a failed request.</summary>
    public static KaptainException Translate(
        KubernetesConnection connection,
        Exception exception,
        string verb,
        ResourceKind kind,
        string? @namespace,
        string? name)
    {
        var subject = name is null ? kind.ResourceName : $"{kind.ResourceName}/{name}";
        var what = name is null ? kind.ResourceName : $"{kind.Kind} '{name}'";
        var ns = @namespace ?? connection.Namespace;
        var context = connection.ContextName ?? "(in-cluster)";
        var status = Status(exception);
        // The server's words, as a diagnostic may quote them: short, and without a secret the request carried.
        var reason = ServerMessage.Quote(status?.Message ?? exception.Message);

        KaptainDiagnostic diagnostic = StatusCode(exception) switch
        {
            null => KaptainDiagnostic.Error("KAPT1006", connection.Server, connection.Server, Describe(exception), verb, what, context),
            HttpStatusCode.Unauthorized => KaptainDiagnostic.Error("KAPT1007", connection.Server, connection.Server, context, verb, what),
            HttpStatusCode.Forbidden => KaptainDiagnostic.Error("KAPT1008", subject, context, verb, kind.ResourceName, ns, reason),
            HttpStatusCode.NotFound when status?.Details?.Kind == "namespaces" =>
                KaptainDiagnostic.Error("KAPT1013", ns, ns, connection.Server),
            HttpStatusCode.NotFound => NotServed(kind),
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity =>
                KaptainDiagnostic.Error("KAPT1014", subject, what, ns, reason),
            var code => KaptainDiagnostic.Error("KAPT1009", subject, (int)code.Value, verb, what, ns, reason),
        };
        var account = status?.Message is { } message && ForbiddenUser().Match(message) is { Success: true } match ? match.Groups[1].Value : null;
        return new KaptainException(diagnostic, exception)
        {
            Request = new ClusterRequest(verb, kind.ResourceName, ns, name, (int?)StatusCode(exception), account),
        };
    }

    // kube-apiserver's 403 names the user: 'pods is forbidden: User "system:serviceaccount:ns:sa" cannot list resource
    // "pods" ...' (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage).
    [System.Text.RegularExpressions.GeneratedRegex("User \"([^\"]+)\" cannot ")]
    private static partial System.Text.RegularExpressions.Regex ForbiddenUser();

    /// <summary>The diagnostic for a kind whose group/version the cluster does not serve.</summary>
    public static KaptainDiagnostic NotServed(ResourceKind kind) =>
        KaptainDiagnostic.Error("KAPT1010", kind.ResourceName, kind.Kind, kind.ApiVersion, Component(kind));

    private static string Describe(Exception exception)
    {
        // The innermost message says "Connection refused" or "Name or service not known"; the outer ones wrap it.
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return exception is OperationCanceledException ? "no answer within the request timeout" : inner.Message;
    }

    private static string Component(ResourceKind kind) => kind.Group switch
    {
        "kubeflow.org" when kind.Kind is "Experiment" or "Trial" => "Katib",
        "kubeflow.org" => "the Kubeflow training operator",
        "serving.kserve.io" => "KServe",
        "serving.kubeflow.org" => "KFServing",
        "serving.knative.dev" => "Knative Serving",
        _ => "that API",
    };
}
