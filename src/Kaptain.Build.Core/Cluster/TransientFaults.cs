using System.Globalization;
using System.Net;
using System.Security.Authentication;
using k8s.Autorest;

namespace Kaptain.Build.Cluster;

/// <summary>
/// Decides which API failures are worth retrying: server errors that say "try again" (500, 502, 503, 504, 429),
/// connections refused or reset, streams cut mid-response, and requests that outlived their own timeout.
/// Client errors (400, 401, 403, 404, 409, 422) and TLS failures are answers, not faults.
/// </summary>
public static class TransientFaults
{
    private static readonly HashSet<HttpStatusCode> RetriedStatusCodes =
    [
        HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable,
        HttpStatusCode.GatewayTimeout, HttpStatusCode.TooManyRequests,
    ];

    /// <summary>Whether <paramref name="exception"/> is transient.</summary>
    /// <param name="exception">What the attempt threw.</param>
    /// <param name="callerToken">The caller's token: a cancellation the caller asked for is never retried.</param>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            HttpOperationException http => http.Response is { } response && RetriedStatusCodes.Contains(response.StatusCode),
            HttpRequestException request => !IsTlsFailure(request),
            IOException => true,

            // A request that outlived its own timeout; the caller did not cancel.
            OperationCanceledException => !callerToken.IsCancellationRequested,
            _ => false,
        };
    }

    /// <summary>The delay a 429 or 503 response asks for (<c>Retry-After</c> in seconds or as a date), if any.</summary>
    public static TimeSpan? RetryAfter(Exception exception, DateTimeOffset now)
    {
        if (exception is not HttpOperationException { Response.Headers: { } headers })
        {
            return null;
        }

        var value = headers
            .FirstOrDefault(header => string.Equals(header.Key, "Retry-After", StringComparison.OrdinalIgnoreCase))
            .Value?.FirstOrDefault();
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date > now ? date - now : TimeSpan.Zero
            : null;
    }

    private static bool IsTlsFailure(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }
}
