namespace Glimpse.Demo.Questions;

public enum DatasetSplit { Train, Validation, Test }

/// <summary>
/// Splits are disjoint seed ranges: item <c>i</c> of a split is the generator's item for seed
/// <c>First(split) + i</c>, so no seed is shared between splits and any item can be regenerated from its split and index.
/// </summary>
public static class DatasetSplits
{
    /// <summary>Items per split: the int seed range divided in three.</summary>
    public const int Size = 700_000_000;

    public static int FirstSeed(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => 0,
        DatasetSplit.Validation => Size,
        DatasetSplit.Test => 2 * Size,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    public static int Seed(DatasetSplit split, int index) => index is >= 0 and < Size
        ? FirstSeed(split) + index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"a split holds items 0 to {Size - 1}");

    public static string Name(this DatasetSplit split) => split.ToString().ToLowerInvariant();

    public static DatasetSplit Parse(string name) => name.ToLowerInvariant() switch
    {
        "train" => DatasetSplit.Train,
        "validation" or "val" => DatasetSplit.Validation,
        "test" => DatasetSplit.Test,
        _ => throw new ArgumentException($"Unknown split '{name}': train, validation or test."),
    };
}
