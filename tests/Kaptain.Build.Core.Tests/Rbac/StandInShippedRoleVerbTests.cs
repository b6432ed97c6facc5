using Kaptain.Build.Core.Tests.Lifecycle;
using Kaptain.Testing.ControlPlane;

namespace Kaptain.Build.Core.Tests.Rbac;

/// <summary><see cref="ShippedRoleVerbTests"/> on the stand-in (which enforces RBAC with kube-apiserver's 403 text): every verb.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class StandInShippedRoleVerbTests(LifecycleServers servers) : ShippedRoleVerbTests
{
    private protected override ApiServerUnderTest Api { get; } = StandInApiServer.For(servers.Cluster);

    private protected override Kaptain.Testing.S3Server S3 => servers.S3;

    private protected override Task<LifecycleProject> NewProjectAsync(string name) => Task.FromResult(new LifecycleProject(servers, name));
}
