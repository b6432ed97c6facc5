// Kaptain.LocalCluster.Tests
