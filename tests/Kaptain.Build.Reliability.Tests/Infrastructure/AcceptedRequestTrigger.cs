namespace Kaptain.Build.Reliability.Tests.Infrastructure;

/// <summary>
/// The point "the server accepted a request, the client has not recorded it": an HTTP handler in the client layer
/// (in front of the cluster client's own) that lets the <c>n</c>-th accepted <c>POST</c> (a create) reach the server,
/// then drops the answer and cancels the step, as a Ctrl+C arriving while the answer is on its way does. Counts the
/// accepted creates from 1; 0 only counts them.
/// </summary>
public sealed class AcceptedRequestTrigger(int cancelAt, CancellationTokenSource cancellation)
{
    private readonly int _cancelAt = cancelAt;
    private readonly CancellationTokenSource _cancellation = cancellation;
    private int _accepted;

    /// <summary>The creates the server accepted so far.</summary>
    public int Accepted => _accepted;

    /// <summary>What the created resource was, for the report (<c>POST /api/v1/namespaces/x/secrets</c>).</summary>
    public string? Fired { get; private set; }

    /// <summary>A new handler for one connection (a handler belongs to one pipeline).</summary>
    public DelegatingHandler[] Handlers() => [new Handler(this)];

    private sealed class Handler(AcceptedRequestTrigger trigger) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.Method == HttpMethod.Post && response.IsSuccessStatusCode
                && Interlocked.Increment(ref trigger._accepted) == trigger._cancelAt)
            {
                trigger.Fired = $"POST {request.RequestUri?.AbsolutePath}";
                response.Dispose();
                await trigger._cancellation.CancelAsync().ConfigureAwait(false);
                throw new OperationCanceledException(trigger._cancellation.Token);
            }

            return response;
        }
    }
}
