using System.Globalization;
using System.Text;

namespace Kaptain.Build.Bench;

/// <summary>
/// The model folder of figure 2: 1 GiB, half incompressible "weights" (random bytes), half text "data" (CSV lines),
/// generated once under <c>artifacts/bench/context-1gib/</c> from a fixed seed and reused by later runs.
/// </summary>
internal static class ContextFolder
{
    private const int FileCount = 8;
    private const long FileSize = 64L * 1024 * 1024;

    /// <summary>The total size of the folder's files.</summary>
    public static long TotalBytes => 2 * FileCount * FileSize;

    public static string Path => System.IO.Path.Combine(BenchResults.Directory, "context-1gib");

    /// <summary>Creates the folder unless a complete one is there; returns its path.</summary>
    public static string Ensure()
    {
        var complete = System.IO.Path.Combine(Path, ".complete");
        if (File.Exists(complete))
        {
            return Path;
        }

        Directory.CreateDirectory(System.IO.Path.Combine(Path, "weights"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "data"));
        var random = new Random(20261127);
        var buffer = new byte[1024 * 1024];
        for (var i = 0; i < FileCount; i++)
        {
            using (var weights = File.Create(System.IO.Path.Combine(Path, "weights", $"layer{i}.bin")))
            {
                for (long written = 0; written < FileSize; written += buffer.Length)
                {
                    random.NextBytes(buffer);
                    weights.Write(buffer);
                }
            }

            WriteText(System.IO.Path.Combine(Path, "data", $"part{i}.csv"), random);
        }

        File.WriteAllText(System.IO.Path.Combine(Path, "train.py"), "print('train')\n");
        File.WriteAllText(complete, "");
        return Path;
    }

    // CSV rows of numbers and a few words: compresses about as well as real tabular training data (3-4x with gzip).
    private static void WriteText(string path, Random random)
    {
        string[] words = ["cat", "dog", "car", "tree", "house", "river", "plane", "digit", "seven", "three"];
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1024 * 1024);
        long written = 0;
        var line = new StringBuilder();
        var row = 0;
        while (written < FileSize)
        {
            line.Clear();
            line.Append(row++).Append(',')
                .Append(random.NextDouble().ToString("0.000000", CultureInfo.InvariantCulture)).Append(',')
                .Append(random.Next(0, 256)).Append(',')
                .Append(random.NextDouble().ToString("0.0000", CultureInfo.InvariantCulture)).Append(',')
                .Append(words[random.Next(words.Length)]).Append(' ').Append(words[random.Next(words.Length)]).Append('\n');
            var text = line.ToString();
            var bytes = Math.Min(text.Length, FileSize - written);
            writer.Write(text.AsSpan(0, (int)bytes));
            written += bytes;
        }
    }
}
