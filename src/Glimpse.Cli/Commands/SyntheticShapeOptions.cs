using System.CommandLine;
using Glimpse.Model;

namespace Glimpse.Cli.Commands;

/// <summary>
/// The layout and size options of a benchmark's random-weight model, with each benchmark's own defaults: <c>--family</c>
/// (unless the benchmark has one layout) and the shape.
/// </summary>
internal sealed class SyntheticShapeOptions(int layers, int hidden, int heads, int imageSide, int visionLayers, int visionHidden,
    int intermediate = 0, int vocab = 32000, bool family = true)
{
    private readonly Option<string>? _family = family
        ? new("--family")
        {
            Description = "Model layout: " + string.Join("; ", SyntheticFamilies.All.Select(f => $"{f.Name} ({f.Description})")) +
                          "; it sets the vision tower and the image-token count.",
            DefaultValueFactory = _ => "llava",
        }
        : null;
    private readonly Option<int> _layers = new("--layers") { Description = "Decoder layers.", DefaultValueFactory = _ => layers };
    private readonly Option<int> _hidden = new("--hidden") { Description = "Decoder width.", DefaultValueFactory = _ => hidden };
    private readonly Option<int> _heads = new("--heads") { Description = "Attention heads.", DefaultValueFactory = _ => heads };
    private readonly Option<int> _intermediate = new("--intermediate") { Description = "Decoder MLP width (0: 4 × --hidden).", DefaultValueFactory = _ => intermediate };
    private readonly Option<int> _vocab = new("--vocab") { Description = "Vocabulary size.", DefaultValueFactory = _ => vocab };
    private readonly Option<int> _side = new("--image-side") { Description = "Image tokens per side (24 → 576 tokens).", DefaultValueFactory = _ => imageSide };
    private readonly Option<int> _visionLayers = new("--vision-layers") { Description = "Vision tower layers.", DefaultValueFactory = _ => visionLayers };
    private readonly Option<int> _visionHidden = new("--vision-hidden") { Description = "Vision tower width.", DefaultValueFactory = _ => visionHidden };

    public IEnumerable<Option> All =>
        [.. (_family is null ? Array.Empty<Option>() : [_family]), _layers, _hidden, _heads, _intermediate, _vocab, _side, _visionLayers, _visionHidden];

    /// <summary>The layout <c>--family</c> names (an unknown name is an <see cref="ArgumentException"/>, reported as bad input).</summary>
    public SyntheticFamily Family(ParseResult parse) =>
        SyntheticFamilies.For(_family is null ? "llava" : parse.GetValue(_family) ?? "llava");

    public SyntheticShape Read(ParseResult parse)
    {
        int width = parse.GetValue(_hidden), count = parse.GetValue(_heads), mlp = parse.GetValue(_intermediate);
        if (width <= 0 || count <= 0 || width % count != 0)
            throw new UserInputException($"--hidden {width} must be a positive multiple of --heads {count}.");
        if (mlp < 0) throw new UserInputException($"--intermediate {mlp} must be 0 (4 × --hidden) or positive.");
        // The layouts keep their special ids (image, vision start/end, video) in the vocabulary's top 8 ids.
        if (parse.GetValue(_vocab) < 64) throw new UserInputException($"--vocab {parse.GetValue(_vocab)} must be at least 64.");
        int towerWidth = parse.GetValue(_visionHidden);
        if (towerWidth <= 0 || parse.GetValue(_visionLayers) <= 0)
            throw new UserInputException("--vision-layers and --vision-hidden must be positive.");
        return new SyntheticShape
        {
            Layers = parse.GetValue(_layers), Hidden = width, Heads = count, KeyValueHeads = count,
            Intermediate = mlp == 0 ? 4 * width : mlp, Vocab = parse.GetValue(_vocab),
            ImageTokensPerSide = parse.GetValue(_side), VisionLayers = parse.GetValue(_visionLayers), VisionHidden = towerWidth,
        };
    }
}
