using Kaptain.Build.Validation;

namespace Kaptain.Build.Model;

/// <summary>Reads and validates a model definition (Contract 1).</summary>
public static class ModelDefinitionReader
{
    /// <summary>
    /// Applies the defaults to <paramref name="input"/>, parses every property and item, and checks every rule.
    /// Returns the model when it is valid and, either way, every diagnostic found (not just the first).
    /// </summary>
    public static ModelReadResult Read(ModelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ModelDefinitionParser(input).Parse();
    }
}
