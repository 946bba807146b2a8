using System.Text.Json;
using System.Text.Json.Serialization;
using Glimpse.Core.Images;

namespace Glimpse.Core.Evaluation;

/// <summary>What an item's reference file is: a binary evidence mask or a graded attention map (e.g. VQA-HAT).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReferenceKind>))]
public enum ReferenceKind
{
    [JsonStringEnumMemberName("mask")] Mask,
    [JsonStringEnumMemberName("map")] Map,
}

/// <summary>
/// One evaluation item: an image, a question, optionally the expected answer and a reference (mask or map, a PNG the
/// size of the image or any size — it is resampled to the comparison grid). Paths are relative to the dataset folder.
/// </summary>
public sealed record EvalItem
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("image")] public required string Image { get; init; }
    [JsonPropertyName("question")] public required string Question { get; init; }
    [JsonPropertyName("answer")] public string? Answer { get; init; }
    [JsonPropertyName("reference")] public string? Reference { get; init; }
    [JsonPropertyName("reference_kind")] public ReferenceKind? ReferenceKind { get; init; }
    /// <summary>Free-form labels (e.g. the synthetic question type), kept in eval.csv for grouping.</summary>
    [JsonPropertyName("tags")] public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>
/// The dataset folder format users bring and the synthetic generator exports: <c>data.jsonl</c>, one <see cref="EvalItem"/>
/// per line (<c>{"id", "image", "question", "answer"?, "reference"?, "reference_kind"?, "tags"?}</c>), beside the images and
/// reference PNGs it names. A reference needs its <c>reference_kind</c>: <c>mask</c> (white inside the evidence, black
/// outside) or <c>map</c> (a graded attention map, e.g. VQA-HAT's human attention, brighter is more attended); see
/// <see cref="ReferenceImage.Decode"/> for how pixels are read. Reading checks every line and every named file (it must
/// exist inside the folder and be a readable image), and reports the line number of anything wrong; nothing is silently
/// skipped.
/// </summary>
public static class EvalDataset
{
    public const string IndexFile = "data.jsonl";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IReadOnlyList<EvalItem> Load(string folder)
    {
        string index = Path.Combine(folder, IndexFile);
        if (!File.Exists(index)) throw new FileNotFoundException($"No {IndexFile} in '{folder}': a dataset folder holds data.jsonl beside its images.", index);
        var items = new List<EvalItem>();
        var ids = new HashSet<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(index))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            EvalItem? item;
            try
            {
                item = JsonSerializer.Deserialize<EvalItem>(line, Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{index}, line {lineNumber}: {e.Message}", e);
            }
            if (item is null) throw new InvalidDataException($"{index}, line {lineNumber}: null item.");
            string Where(string what) => $"{index}, line {lineNumber} (id '{item.Id}'): {what}";
            if (string.IsNullOrWhiteSpace(item.Question)) throw new InvalidDataException(Where("the question is empty."));
            if (!ids.Add(item.Id)) throw new InvalidDataException(Where("the id repeats an earlier line."));
            if (item.Reference is not null && item.ReferenceKind is null)
                throw new InvalidDataException(Where("a reference needs its reference_kind: \"mask\" or \"map\"."));
            foreach (var (name, path) in new[] { ("image", item.Image), ("reference", item.Reference) })
            {
                if (path is null) continue;
                if (Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
                    throw new InvalidDataException(Where($"the {name} path '{path}' must be relative and inside the folder."));
                string file = Path.Combine(folder, path);
                if (!File.Exists(file)) throw new InvalidDataException(Where($"the {name} file '{path}' does not exist."));
                // Only the header is read: a file that is not an image fails here, naming its line, not hours into a run.
                using var stream = File.OpenRead(file);
                if (RgbImage.Probe(stream) is null) throw new InvalidDataException(Where($"the {name} file '{path}' is not a readable image."));
            }
            items.Add(item);
        }
        if (items.Count == 0) throw new InvalidDataException($"{index} has no items.");
        return items;
    }

    /// <summary>Writes data.jsonl; the caller has written the files the items name.</summary>
    public static void WriteIndex(string folder, IEnumerable<EvalItem> items)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, IndexFile), items.Select(i => JsonSerializer.Serialize(i, Json)));
    }
}
