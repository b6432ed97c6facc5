namespace Kaptain.LocalCluster.Api;

/// <summary>
/// The errors the real API server returns, with its codes, reasons and message shapes
/// (k8s.io/apimachinery/pkg/api/errors).
/// </summary>
public static class StatusErrors
{
    /// <summary>404: <c>pods "x" not found</c>. Like the real server, <c>details.kind</c> holds the plural resource.</summary>
    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", name, type.Group, type.Plural);

    /// <summary>404 for a resource type the server does not serve.</summary>
    public static ApiException NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource");

    /// <summary>409: <c>pods "x" already exists</c>.</summary>
    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", name, type.Group, type.Plural);

    /// <summary>409 on a stale <c>resourceVersion</c> (optimistic concurrency).</summary>
    public static ApiException Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            name, type.Group, type.Plural);

    /// <summary>409 with a custom explanation (for example a precondition on uid).</summary>
    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {why}", name, type.Group, type.Plural);

    /// <summary>422 with field causes: <c>TFJob.kubeflow.org "x" is invalid: spec...: ...</c>.</summary>
    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<StatusCause> causes)
    {
        var parts = causes.Select(c => c.Field is null ? c.Message : $"{c.Field}: {c.Message}").ToList();
        var summary = parts.Count == 1 ? parts[0] : "[" + string.Join(", ", parts) + "]";
        return new(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {summary}", name, type.Group, type.Kind, causes);
    }

    /// <summary>422 for one field: a convenience over <see cref="Invalid(ResourceType,string,IReadOnlyList{StatusCause})"/>.</summary>
    public static ApiException Invalid(ResourceType type, string name, string field, string reason, string message) =>
        Invalid(type, name, [new StatusCause(reason, message, field)]);

    /// <summary>400 BadRequest.</summary>
    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>403 Forbidden (for example creating in a namespace that is terminating).</summary>
    public static ApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: {why}", name, type.Group, type.Plural);

    /// <summary>405 MethodNotAllowed.</summary>
    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    /// <summary>410 Expired: a watch or list asked for a resourceVersion older than the retained window.</summary>
    public static ApiException Expired(long requested, long oldest) =>
        new(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>415 UnsupportedMediaType (for example a strategic merge patch on a custom resource).</summary>
    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})");

    /// <summary>500 InternalError.</summary>
    public static ApiException InternalError(string message) =>
        new(500, "InternalError", $"Internal error occurred: {message}");

    /// <summary>429 TooManyRequests with a Retry-After.</summary>
    public static ApiException TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later", retryAfterSeconds: retryAfterSeconds);
}
