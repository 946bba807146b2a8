using System.Collections.Concurrent;
using Glimpse.Core.Images;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// Where evaluation items come from: a dataset folder (<see cref="FolderEvalSource"/>), or a generator registered by
/// name (<see cref="EvalSources.Register"/>) that makes items in memory.
/// </summary>
public interface IEvalItemSource
{
    /// <summary>How outputs name the data, e.g. the folder's path or "synthetic (seed 7)".</summary>
    string Description { get; }
    IReadOnlyList<EvalItem> Items { get; }
    /// <summary>The item's image; its <see cref="EvalItem.Image"/> names it within the source.</summary>
    RgbImage LoadImage(EvalItem item);
    /// <summary>The item's reference, or null when it has none.</summary>
    ReferenceImage? LoadReference(EvalItem item);
}

/// <summary>
/// What a source is asked for: at most <see cref="Count"/> items (all when null), made with <see cref="Seed"/> where that
/// matters, for the model folder <see cref="Model"/> (a generator may draw its images at that model's input size).
/// </summary>
public sealed record EvalSourceRequest(int? Count = null, int Seed = 0, string? Model = null);

/// <summary>
/// The data sources <c>glimpse eval --data NAME</c> knows by name; anything else is a dataset folder. A generator
/// (e.g. the synthetic grounded VQA set) registers itself once at start-up:
/// <code>EvalSources.Register("synthetic", request => new SyntheticSource(request.Count ?? 200, request.Seed));</code>
/// </summary>
public static class EvalSources
{
    private static readonly ConcurrentDictionary<string, Func<EvalSourceRequest, IEvalItemSource>> Factories = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="name"/> open the source <paramref name="factory"/> returns (replacing an earlier registration).</summary>
    public static void Register(string name, Func<EvalSourceRequest, IEvalItemSource> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Factories[name] = factory;
    }

    public static IReadOnlyCollection<string> Names => Factories.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The registered source of that name, else the dataset folder at that path; limited to the request's count.</summary>
    public static IEvalItemSource Open(string data, EvalSourceRequest? request = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(data);
        request ??= new EvalSourceRequest();
        if (request.Count is < 1) throw new ArgumentOutOfRangeException(nameof(request), request.Count, "the item count must be at least 1");
        IEvalItemSource source = Factories.TryGetValue(data, out var factory) ? factory(request) : new FolderEvalSource(data);
        return request.Count is { } count && source.Items.Count > count ? new FirstItems(source, count) : source;
    }

    /// <summary>A source cut to its first items.</summary>
    private sealed class FirstItems(IEvalItemSource inner, int count) : IEvalItemSource
    {
        public string Description => inner.Description;
        public IReadOnlyList<EvalItem> Items { get; } = inner.Items.Take(count).ToList();
        public RgbImage LoadImage(EvalItem item) => inner.LoadImage(item);
        public ReferenceImage? LoadReference(EvalItem item) => inner.LoadReference(item);
    }
}

/// <summary>A dataset folder in the <see cref="EvalDataset"/> format, checked line by line when it is opened.</summary>
public sealed class FolderEvalSource : IEvalItemSource
{
    private readonly string _folder;

    public FolderEvalSource(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The dataset folder '{folder}' does not exist (nor is it a registered source: {string.Join(", ", EvalSources.Names.DefaultIfEmpty("none"))}).");
        _folder = Path.GetFullPath(folder);
        Items = EvalDataset.Load(_folder);
    }

    public string Description => _folder;
    public IReadOnlyList<EvalItem> Items { get; }

    public RgbImage LoadImage(EvalItem item) => RgbImage.Load(Path.Combine(_folder, item.Image));

    public ReferenceImage? LoadReference(EvalItem item)
    {
        if (item.Reference is null) return null;
        string path = Path.Combine(_folder, item.Reference);
        return ReferenceImage.Decode(File.ReadAllBytes(path), item.ReferenceKind
            ?? throw new InvalidDataException($"Item '{item.Id}' has a reference but no reference_kind (mask or map)."), $"'{path}'");
    }
}
