// Cake.Kaptain.Tests
