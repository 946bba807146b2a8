using System.Globalization;
using Glimpse.Core.Evaluation;
using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// Writes synthetic items as a dataset folder in the format users bring their own data in (<see cref="EvalDataset"/>):
/// images/ID.png, masks/ID.png (the evidence: 255 on the pixels of the objects the answer depends on) and data.jsonl
/// with reference_kind "mask" and tags type (question kind), split, objects (how many), evidence (objects, or none
/// where the answer rests on an absence and the mask is empty).
/// </summary>
public static class DatasetExport
{
    /// <param name="firstIndex">Index within the split of the first item; items firstIndex … firstIndex+count−1 are written.</param>
    public static IReadOnlyList<EvalItem> Write(string folder, DatasetSplit split, int count, int firstIndex = 0,
        SceneOptions? options = null, Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var generator = new SceneGenerator(options);
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        Directory.CreateDirectory(Path.Combine(folder, "masks"));
        var items = new List<EvalItem>(count);
        for (int k = 0; k < count; k++)
        {
            int index = firstIndex + k;
            var item = generator.Generate(DatasetSplits.Seed(split, index));
            string id = $"{split.Name()}-{index:D6}";
            string image = $"images/{id}.png", mask = $"masks/{id}.png";
            File.WriteAllBytes(Path.Combine(folder, image), PngFiles.Encode(SceneRenderer.Render(item.Scene)));
            var evidence = SceneRenderer.EvidenceMask(item.Scene, item.EvidenceObjects);
            File.WriteAllBytes(Path.Combine(folder, mask), PngFiles.EncodeMask(evidence, item.Scene.Width, item.Scene.Height));
            items.Add(new EvalItem
            {
                Id = id,
                Image = image,
                Question = item.Question,
                Answer = item.Answer,
                Reference = mask,
                ReferenceKind = ReferenceKind.Mask,
                Tags = Tags(item, split),
            });
            progress?.Invoke(k + 1);
        }
        EvalDataset.WriteIndex(folder, items);
        return items;
    }

    public static IReadOnlyDictionary<string, string> Tags(GroundedItem item, DatasetSplit split) => new SortedDictionary<string, string>
    {
        ["type"] = item.Kind.Tag(),
        ["split"] = split.Name(),
        ["objects"] = item.Scene.Objects.Count.ToString(CultureInfo.InvariantCulture),
        ["evidence"] = item.HasEvidence ? "objects" : "none",
    };
}
