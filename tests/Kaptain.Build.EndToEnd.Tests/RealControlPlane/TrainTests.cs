using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.RealControlPlane;

/// <summary><see cref="Tests.TrainTests"/> on kube-apiserver + kube-controller-manager with the simulated operators attached.</summary>
public sealed class TrainTests(RealControlPlaneServers fixture) : Tests.TrainTests(fixture);
