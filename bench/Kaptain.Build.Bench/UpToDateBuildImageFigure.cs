using System.Globalization;
using Kaptain.Testing;

namespace Kaptain.Build.Bench;

/// <summary>
/// Figure 1: an up-to-date <c>KaptainBuildImage</c> (the registry has the image) against a plain <c>dotnet build</c> of
/// the same project without Kaptain, alternated in the same run; plus the cluster writes the up-to-date builds made.
/// </summary>
internal sealed class UpToDateBuildImageFigure : IFigure
{
    private const int Runs = 5;

    public int Number => 1;

    public string Name => "up-to-date";

    public string Goal => "at most 1.1x, no cluster write";

    public string Title => "Up-to-date KaptainBuildImage vs plain dotnet build";

    public async Task<FigureResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var servers = await BenchEnvironment.StartServersAsync(cancellationToken);
        var project = servers.NewProject("mnist-pytorch", "bench-uptodate");

        // The same project without Kaptain: the project file and its sources, without the Directory.Build wiring.
        var plainDirectory = Path.Combine(servers.WorkDirectory, "plain", project.Sample);
        Directory.CreateDirectory(plainDirectory);
        foreach (var file in Directory.EnumerateFiles(project.Directory))
        {
            File.Copy(file, Path.Combine(plainDirectory, Path.GetFileName(file)));
        }

        var plain = new DotnetCommand("build", Path.Combine(plainDirectory, project.Sample + ".proj"), "-nologo", "-nr:false", "-tl:off", "-v:m")
        {
            WorkingDirectory = plainDirectory,
        };
        DotnetCommand UpToDate() => project.Build("KaptainBuildImage").WithArguments("-v:m");

        // The first build builds and pushes the image; both are then warmed once (restore, first-run costs).
        await BenchEnvironment.TimeAsync(project.Build("KaptainBuildImage"), cancellationToken);
        await BenchEnvironment.TimeAsync(plain, cancellationToken);
        await BenchEnvironment.TimeAsync(UpToDate(), cancellationToken);

        var before = BenchEnvironment.ClusterWrites(servers);
        var kaptain = new List<double>();
        var baseline = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            baseline.Add(await BenchEnvironment.TimeAsync(plain, cancellationToken));
            kaptain.Add(await BenchEnvironment.TimeAsync(UpToDate(), cancellationToken));
        }

        var writes = BenchEnvironment.ClusterWrites(servers) - before;
        var kaptainMedian = BenchEnvironment.Median(kaptain);
        var baselineMedian = BenchEnvironment.Median(baseline);
        var ratio = kaptainMedian / baselineMedian;
        return new FigureResult
        {
            Number = Number,
            Name = Name,
            Title = Title,
            Goal = Goal,
            GoalMet = ratio <= 1.1 && writes == 0,
            Summary = string.Create(CultureInfo.InvariantCulture,
                $"{ratio:0.00}x ({BenchEnvironment.Seconds(kaptainMedian)} vs {BenchEnvironment.Seconds(baselineMedian)}), {writes} cluster writes in {Runs} builds"),
            Values = new Dictionary<string, double>
            {
                ["kaptain_build_image_median_s"] = kaptainMedian,
                ["plain_build_median_s"] = baselineMedian,
                ["ratio"] = ratio,
                ["cluster_writes"] = writes,
                ["runs"] = Runs,
            },
            Method = $"samples/mnist-pytorch copied; `dotnet build -t:KaptainBuildImage` after the image was pushed, alternated with `dotnet build` of the same project file without the Kaptain imports, {Runs} runs each after one warm-up, medians. Cluster writes: the mutating requests (create, update, patch, delete) the local cluster's API server answered during the up-to-date builds, its simulated operators' own not counted.",
        };
    }
}
