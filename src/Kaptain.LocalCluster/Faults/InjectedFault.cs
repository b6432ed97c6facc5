namespace Kaptain.LocalCluster.Faults;

/// <summary>The fault chosen for one request.</summary>
public enum InjectedFault
{
    /// <summary>Serve the request normally.</summary>
    None,

    /// <summary>Answer 500 InternalError.</summary>
    InternalError,

    /// <summary>Answer 429 TooManyRequests with Retry-After.</summary>
    TooManyRequests,

    /// <summary>Abort the connection without answering.</summary>
    DropConnection,

    /// <summary>Serve the watch but end it after a short random time.</summary>
    DropWatch,
}
