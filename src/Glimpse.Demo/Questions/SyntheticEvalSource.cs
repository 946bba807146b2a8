using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// The synthetic grounded VQA benchmark as <c>glimpse eval --data synthetic</c> reads it: the first items of the held-out
/// test split, made in memory exactly as <see cref="DatasetExport"/> writes them to a folder (same ids, questions,
/// answers, evidence masks and tags), so an evaluation of the exported folder and of this source agree.
/// </summary>
public sealed class SyntheticEvalSource : IEvalItemSource
{
    /// <summary>The name it is registered under.</summary>
    public const string Name = "synthetic";

    private readonly Dictionary<string, GroundedItem> _generated;

    /// <param name="count">Items, from the split's first.</param>
    /// <param name="firstIndex">Index within the split of the first item; the seed of a request shifts it, for a different sample.</param>
    public SyntheticEvalSource(int count, int firstIndex = 0, DatasetSplit split = DatasetSplit.Test, SceneOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var generator = new SceneGenerator(options);
        var items = new List<EvalItem>(count);
        _generated = new Dictionary<string, GroundedItem>(count, StringComparer.Ordinal);
        for (int index = firstIndex; index < firstIndex + count; index++)
        {
            var item = generator.Generate(DatasetSplits.Seed(split, index));
            string id = $"{split.Name()}-{index:D6}";
            _generated[id] = item;
            items.Add(new EvalItem
            {
                Id = id,
                Image = id,
                Question = item.Question,
                Answer = item.Answer,
                Reference = id,
                ReferenceKind = ReferenceKind.Mask,
                Tags = DatasetExport.Tags(item, split),
            });
        }
        Items = items;
        var scenes = generator.Options;
        Description = $"synthetic grounded VQA, {split.Name()} split items {firstIndex}–{firstIndex + count - 1} ({scenes.Width} px scenes, {scenes.CellSize} px cells)";
    }

    public string Description { get; }
    public IReadOnlyList<EvalItem> Items { get; }

    public RgbImage LoadImage(EvalItem item) => SceneRenderer.Render(Item(item).Scene);

    public ReferenceImage? LoadReference(EvalItem item)
    {
        var generated = Item(item);
        var mask = SceneRenderer.EvidenceMask(generated.Scene, generated.EvidenceObjects);
        return new ReferenceImage(generated.Scene.Width, generated.Scene.Height, mask.Select(inside => inside ? 1.0 : 0.0).ToArray(), ReferenceKind.Mask);
    }

    /// <summary>
    /// Registers the source as <see cref="Name"/>: <c>--n</c> items, starting at the request's seed × the count, drawn at
    /// the size the request's model reads (<see cref="SceneOptions.ForModel"/>; the default scenes without a model).
    /// </summary>
    public static void Register() =>
        EvalSources.Register(Name, request => new SyntheticEvalSource(request.Count ?? 200, firstIndex: Math.Max(0, request.Seed) * (request.Count ?? 200),
            options: request.Model is { } model ? SceneOptions.ForModel(model) : null));

    private GroundedItem Item(EvalItem item) => _generated.TryGetValue(item.Id, out var generated)
        ? generated
        : throw new ArgumentException($"'{item.Id}' is not an item of this source.", nameof(item));
}
