using System.Runtime.CompilerServices;

namespace Kaptain.LocalCluster.Logs;

/// <summary>
/// What the simulated containers print, served by <c>pods/{name}/log</c>. A controller calls
/// <see cref="StartContainer"/> when a container starts running, <see cref="Append"/> for each line it prints,
/// <see cref="Terminate"/> when it exits (which ends <c>follow</c> streams), and <see cref="Restart"/> when it is
/// restarted (the old log becomes <c>previous=true</c>). Logs of a deleted pod are dropped. Thread-safe.
/// </summary>
public sealed class PodLogStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Pod, string Container), ContainerLog> _logs = [];
    private readonly TimeProvider _time;

    /// <summary>Creates an empty log store.</summary>
    public PodLogStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Marks a container as started (its log exists, possibly empty). Until then, reading its log is 400 "waiting to start".</summary>
    public void StartContainer(string ns, string pod, string container)
    {
        lock (_lock) Get(ns, pod, container, create: true);
    }

    /// <summary>Appends a line to a container's current log (starting the container if needed) and wakes followers.</summary>
    public void Append(string ns, string pod, string container, string line, DateTimeOffset? timestamp = null)
    {
        lock (_lock)
        {
            var log = Get(ns, pod, container, create: true)!;
            foreach (var part in line.Replace("\r\n", "\n").Split('\n'))
                log.Current.Add(new PodLogLine(timestamp ?? _time.GetUtcNow(), part));
            log.Signal();
        }
    }

    /// <summary>Marks a container as exited: <c>follow</c> streams of it end after the last line.</summary>
    public void Terminate(string ns, string pod, string container)
    {
        lock (_lock)
        {
            var log = Get(ns, pod, container, create: true)!;
            log.Terminated = true;
            log.Signal();
        }
    }

    /// <summary>Restarts a container: the current log becomes the previous one and a new, empty current log begins.</summary>
    public void Restart(string ns, string pod, string container)
    {
        lock (_lock)
        {
            var log = Get(ns, pod, container, create: true)!;
            var old = log.Current;
            log.Terminated = true;
            log.Signal();
            _logs[(ns, pod, container)] = new ContainerLog { Previous = old };
        }
    }

    /// <summary>Whether the container has started (has a log).</summary>
    public bool HasStarted(string ns, string pod, string container)
    {
        lock (_lock) return _logs.ContainsKey((ns, pod, container));
    }

    /// <summary>Whether the container has a previous (pre-restart) log.</summary>
    public bool HasPrevious(string ns, string pod, string container)
    {
        lock (_lock) return _logs.TryGetValue((ns, pod, container), out var log) && log.Previous is not null;
    }

    /// <summary>The lines of the current (or previous) log; empty when there are none.</summary>
    public IReadOnlyList<PodLogLine> Read(string ns, string pod, string container, bool previous = false)
    {
        lock (_lock)
        {
            if (!_logs.TryGetValue((ns, pod, container), out var log)) return [];
            return (previous ? log.Previous ?? [] : log.Current).ToList();
        }
    }

    /// <summary>
    /// The current log's lines (the last <paramref name="tailLines"/> if given), then each new line as it is appended,
    /// until the container terminates or restarts, the pod is deleted, or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async IAsyncEnumerable<PodLogLine> FollowAsync(string ns, string pod, string container, int? tailLines = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ContainerLog log;
        int next;
        lock (_lock)
        {
            log = Get(ns, pod, container, create: true)!;
            next = tailLines is int tail ? Math.Max(0, log.Current.Count - tail) : 0;
        }
        while (true)
        {
            List<PodLogLine> batch;
            Task changed;
            bool done;
            lock (_lock)
            {
                batch = log.Current.Skip(next).ToList();
                next += batch.Count;
                done = log.Terminated || log.Removed;
                changed = log.Changed.Task;
            }
            foreach (var line in batch) yield return line;
            if (done) yield break;
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the logs of a deleted pod and ends its followers.</summary>
    public void RemovePod(string ns, string pod)
    {
        lock (_lock)
        {
            foreach (var key in _logs.Keys.Where(k => k.Namespace == ns && k.Pod == pod).ToList())
            {
                _logs[key].Removed = true;
                _logs[key].Signal();
                _logs.Remove(key);
            }
        }
    }

    private ContainerLog? Get(string ns, string pod, string container, bool create)
    {
        if (_logs.TryGetValue((ns, pod, container), out var log)) return log;
        if (!create) return null;
        return _logs[(ns, pod, container)] = new ContainerLog();
    }

    private sealed class ContainerLog
    {
        public List<PodLogLine> Current { get; } = [];

        public List<PodLogLine>? Previous { get; init; }

        public bool Terminated { get; set; }

        public bool Removed { get; set; }

        public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Signal()
        {
            Changed.TrySetResult();
            Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
