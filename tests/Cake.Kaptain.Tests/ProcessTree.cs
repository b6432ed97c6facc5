using Kaptain.Testing;

namespace Cake.Kaptain.Tests;

/// <summary>
/// Ctrl+C as a terminal delivers it: to every process of the run. <c>dotnet cake</c> is the dotnet muxer running the
/// Cake process as its child, so signalling the muxer alone is not what a user's Ctrl+C does.
/// </summary>
internal static class ProcessTree
{
    public static void Interrupt(int pid) => Signal(pid, UnixSignal.Interrupt);

    /// <summary>Sends <paramref name="signal"/> to the process and all its descendants, as a terminal sends to its
    /// process group.</summary>
    public static void Signal(int pid, int signal)
    {
        foreach (var process in Descendants(pid).Prepend(pid).ToList())
        {
            UnixSignal.Send(process, signal);
        }
    }

    private static IEnumerable<int> Descendants(int pid)
    {
        foreach (var task in SafeDirectories($"/proc/{pid}/task"))
        {
            var children = Path.Combine(task, "children");
            if (!File.Exists(children))
            {
                continue;
            }

            foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
            {
                yield return child;
                foreach (var grandchild in Descendants(child))
                {
                    yield return grandchild;
                }
            }
        }
    }

    private static IEnumerable<string> SafeDirectories(string path) =>
        Directory.Exists(path) ? Directory.EnumerateDirectories(path) : [];
}
