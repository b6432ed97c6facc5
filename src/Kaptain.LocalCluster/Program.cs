// `dotnet run --project src/Kaptain.LocalCluster -- --kubeconfig <path> [--port N] [--scenario <file>] [fault flags]`:
// starts the local cluster on 127.0.0.1, writes the kubeconfig, prints a line containing "ready", and stops on
// Ctrl+C or SIGTERM.
// `... -- --attach <kubeconfig> [--scenario <file>] [--builtin-controllers auto|simulate|server]`: runs only the
// simulated operators against the cluster that kubeconfig names; prints "ready", stops on Ctrl+C or SIGTERM.
using System.Runtime.InteropServices;
using Kaptain.LocalCluster.Hosting;
using Microsoft.Extensions.Logging;

CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var options = commandLine.Options;
options.LoggerFactory = loggerFactory;
if (options.ScenarioFile is { } scenarioPath)
{
    // A bad scenario file is the user's to fix before anything runs, not a controller failure in the log later.
    try
    {
        await Kaptain.LocalCluster.Simulation.ScenarioFile.LoadAsync(scenarioPath, CancellationToken.None);
    }
    catch (Exception e) when (e is Kaptain.LocalCluster.Simulation.ScenarioFormatException or IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"--scenario {scenarioPath}: {e.Message}");
        return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

if (commandLine.Attach)
{
    var configuration = await k8s.KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(new FileInfo(commandLine.KubeconfigPath));
    await using var operators = await Kaptain.LocalCluster.Operators.SimulatedOperators.AttachAsync(configuration, options.ScenarioFile, loggerFactory, commandLine.SimulateBuiltInControllers, stop.Token);
    Console.WriteLine($"Simulated operators ready against {operators.Server} ({string.Join(", ", operators.Controllers.Select(c => c.Name))}); Ctrl+C stops them.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Ctrl+C or SIGTERM.
    }

    Console.WriteLine("Simulated operators stopping.");
    return 0;
}

Kaptain.LocalCluster.Controllers.SimulatedControllers.AddTo(options);
await using var cluster = await LocalClusterServer.StartAsync(options, stop.Token);
await cluster.WriteKubeconfigAsync(commandLine.KubeconfigPath, stop.Token);
Console.WriteLine($"Local cluster ready at {cluster.Url} (kubeconfig: {commandLine.KubeconfigPath}); Ctrl+C stops it.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM.
}
Console.WriteLine("Local cluster stopping.");
return 0;
