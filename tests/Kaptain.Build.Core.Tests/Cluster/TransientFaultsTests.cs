using Xunit;
using System.Net;
using System.Security.Authentication;
using k8s.Autorest;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class TransientFaultsTests
{
    internal static HttpOperationException Answer(HttpStatusCode code, string? retryAfter = null)
    {
        using var message = new HttpResponseMessage(code);
        if (retryAfter is not null)
        {
            message.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return new HttpOperationException($"Operation returned an invalid status code '{code}'")
        {
            Response = new HttpResponseMessageWrapper(message, """{"kind":"Status","apiVersion":"v1","status":"Failure"}"""),
        };
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public void Server_errors_that_say_try_again_are_transient(HttpStatusCode code) =>
        Assert.True(TransientFaults.IsTransient(Answer(code), CancellationToken.None));

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.Gone)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public void Answers_are_not_retried(HttpStatusCode code) =>
        Assert.False(TransientFaults.IsTransient(Answer(code), CancellationToken.None));

    [Fact]
    public void Refused_or_reset_connections_and_cut_streams_are_transient()
    {
        Assert.True(TransientFaults.IsTransient(
            new HttpRequestException("Connection refused (127.0.0.1:1)", new System.Net.Sockets.SocketException(111)),
            CancellationToken.None));
        Assert.True(TransientFaults.IsTransient(new IOException("The response ended prematurely."), CancellationToken.None));
    }

    [Fact]
    public void A_TLS_failure_is_not_transient() =>
        Assert.False(TransientFaults.IsTransient(
            new HttpRequestException("The SSL connection could not be established", new AuthenticationException("bad certificate")),
            CancellationToken.None));

    [Fact]
    public void A_request_timeout_is_transient_but_the_callers_cancellation_is_not()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(TransientFaults.IsTransient(new TaskCanceledException(), CancellationToken.None));
        Assert.False(TransientFaults.IsTransient(new TaskCanceledException(), cancelled.Token));
    }

    [Fact]
    public void Retry_After_is_read_in_seconds_and_as_a_date()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(7), TransientFaults.RetryAfter(Answer(HttpStatusCode.TooManyRequests, "7"), now));
        Assert.Equal(
            TimeSpan.FromSeconds(30),
            TransientFaults.RetryAfter(Answer(HttpStatusCode.ServiceUnavailable, "Thu, 01 Jan 2026 12:00:30 GMT"), now));
        Assert.Null(TransientFaults.RetryAfter(Answer(HttpStatusCode.TooManyRequests), now));
    }
}
