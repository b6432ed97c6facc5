using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.RealControlPlane;

/// <summary><see cref="Tests.PublishTests"/> on kube-apiserver + kube-controller-manager with the simulated operators attached.</summary>
public sealed class PublishTests(RealControlPlaneServers fixture) : Tests.PublishTests(fixture);
