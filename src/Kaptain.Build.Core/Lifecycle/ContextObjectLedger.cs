namespace Kaptain.Build.Lifecycle;

/// <summary>
/// The build context objects a run put into the object store, one <c>bucket/key</c> per line in
/// <c>obj/kaptain/objects-{run}.txt</c>, written before the upload starts and deleted once the object is removed, so
/// that the sweep can remove the object of a run that was killed.
/// </summary>
internal static class ContextObjectLedger
{
    public static string PathFor(string directory, string runId) => Path.Combine(directory, $"objects-{runId}.txt");

    public static void Record(string directory, string runId, string bucket, string key)
    {
        Directory.CreateDirectory(directory);
        File.AppendAllText(PathFor(directory, runId), $"{bucket}/{key}\n");
    }

    public static void Forget(string directory, string runId) => File.Delete(PathFor(directory, runId));

    /// <summary>Every ledger file under <paramref name="directory"/> with the objects it names.</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<(string Bucket, string Key)> Objects)> ReadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetFiles(directory, "objects-*.txt")
            .Select(file => (file, (IReadOnlyList<(string, string)>)File.ReadAllLines(file)
                .Select(line => line.Trim())
                .Where(line => line.Contains('/', StringComparison.Ordinal))
                .Select(line => (line[..line.IndexOf('/', StringComparison.Ordinal)], line[(line.IndexOf('/', StringComparison.Ordinal) + 1)..]))
                .ToList()))
            .ToList();
    }
}
