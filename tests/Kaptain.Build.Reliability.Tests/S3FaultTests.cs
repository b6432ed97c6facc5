using Kaptain.Build.Diagnostics;
using Kaptain.Build.Lifecycle;
using Kaptain.Build.Reliability.Tests.Infrastructure;
using Kaptain.Testing;
using Xunit;

namespace Kaptain.Build.Reliability.Tests;

/// <summary>
/// S3 faults during the image step (in-process): the S3 server rejects the access key (s3rver does not check
/// signatures, so a wrong secret key cannot be detected; an unknown access key can), is down, or is killed (SIGKILL)
/// the moment the build context upload begins. The step fails with its KAPT30xx code and leaves nothing on the cluster
/// (read through the API, so it holds on either server).
/// </summary>
public abstract class S3FaultTests(ReliabilityServers fixture) : ReliabilityTest(fixture)
{
    private const int SigKill = 9;
    private static int _namespaces;

    public static TheoryData<string> Faults => new("rejected access key", "server down", "killed mid-upload");

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task An_S3_fault_ends_with_its_code_and_leaves_nothing(string fault)
    {
        var token = TestContext.Current.CancellationToken;
        await using var s3 = await S3Server.StartAsync(fault == "rejected access key" ? ["only-this-key"] : null, token);
        var endpoint = s3.Endpoint;
        if (fault == "server down")
        {
            await s3.DisposeAsync();
        }

        var @namespace = $"s3-faults-{Interlocked.Increment(ref _namespaces)}";
        var model = InProcessModel.Create(Servers, "s3-faults", @namespace, await NamespaceAsync(@namespace), s3Endpoint: endpoint);
        using var uploadBegan = new CancellationTokenSource();
        if (fault == "killed mid-upload")
        {
            var pid = s3.Pid;
            uploadBegan.Token.Register(() => UnixSignal.Send(pid, SigKill));
        }

        var error = await Assert.ThrowsAsync<KaptainException>(() =>
            KaptainLifecycle.BuildImageAsync(model.Options(new TriggerLog(1, uploadBegan)), token));
        var codes = error.Diagnostics.Select(d => d.Code).ToList();
        var expected = fault == "rejected access key" ? new[] { "KAPT3002" } : ["KAPT3001", "KAPT3004"];
        var left = (await ResourcesInAsync(@namespace)).All;

        Record("S3 faults (image step, in-process)", $"{fault}: ended with {string.Join("/", expected)}", codes.Intersect(expected).Any() ? 1 : 0, "1");
        Record("S3 faults (image step, in-process)", $"{fault}: cluster resources left", left.Count, "0");
        Assert.True(codes.Intersect(expected).Any(), string.Join(", ", codes));
        Assert.Empty(left);
    }
}
