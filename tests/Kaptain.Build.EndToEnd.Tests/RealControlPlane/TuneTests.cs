using Kaptain.Build.EndToEnd.Tests.Infrastructure;
using Kaptain.Testing;

namespace Kaptain.Build.EndToEnd.Tests.RealControlPlane;

/// <summary><see cref="Tests.TuneTests"/> on kube-apiserver + kube-controller-manager with the simulated operators attached.</summary>
public sealed class TuneTests(RealControlPlaneServers fixture) : Tests.TuneTests(fixture);
