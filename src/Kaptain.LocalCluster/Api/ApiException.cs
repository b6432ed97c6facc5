using System.Text.Json.Nodes;

namespace Kaptain.LocalCluster.Api;

/// <summary>
/// A failed API operation, carrying what the real API server puts in its <c>Status</c> body: HTTP code, reason, message and
/// details. The HTTP layer writes it as a <c>Status</c>; in-process callers (controllers) catch it and look at
/// <see cref="Code"/> and <see cref="Reason"/>. Create instances with <see cref="StatusErrors"/>.
/// </summary>
public sealed class ApiException : Exception
{
    /// <summary>Creates an API failure.</summary>
    public ApiException(int code, string reason, string message, string? name = null, string? group = null, string? kind = null,
        IReadOnlyList<StatusCause>? causes = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Name = name;
        Group = group;
        Kind = kind;
        Causes = causes ?? [];
        RetryAfterSeconds = retryAfterSeconds;
    }

    /// <summary>The HTTP status code (404, 409, 422...).</summary>
    public int Code { get; }

    /// <summary>The <c>Status</c> reason (<c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Invalid</c>...).</summary>
    public string Reason { get; }

    /// <summary>The name of the object concerned, if any.</summary>
    public string? Name { get; }

    /// <summary>The API group of the object concerned (empty for core).</summary>
    public string? Group { get; }

    /// <summary>The kind (or plural resource, as the real server sends for NotFound) of the object concerned.</summary>
    public string? Kind { get; }

    /// <summary>The field-level causes (422 Invalid).</summary>
    public IReadOnlyList<StatusCause> Causes { get; }

    /// <summary>Seconds a client should wait before retrying (429, 410 on expired continuations), if any.</summary>
    public int? RetryAfterSeconds { get; }

    /// <summary>The <c>Status</c> object as the real API server sends it.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Name is not null || Kind is not null || Causes.Count > 0 || RetryAfterSeconds is not null)
        {
            var details = new JsonObject();
            if (Name is not null) details["name"] = Name;
            if (!string.IsNullOrEmpty(Group)) details["group"] = Group;
            if (Kind is not null) details["kind"] = Kind;
            if (Causes.Count > 0)
            {
                var causes = new JsonArray();
                foreach (var cause in Causes)
                {
                    var c = new JsonObject { ["reason"] = cause.Reason, ["message"] = cause.Message };
                    if (cause.Field is not null) c["field"] = cause.Field;
                    causes.Add(c);
                }
                details["causes"] = causes;
            }
            if (RetryAfterSeconds is int retry) details["retryAfterSeconds"] = retry;
            status["details"] = details;
        }
        status["code"] = Code;
        return status;
    }
}
