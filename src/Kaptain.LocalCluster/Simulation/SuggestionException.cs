namespace Kaptain.LocalCluster.Simulation;

/// <summary>A search space or algorithm the simulated Katib cannot suggest from; the message says which field and why.</summary>
internal sealed class SuggestionException(string message) : Exception(message);
