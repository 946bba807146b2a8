using System.CommandLine;
using Glimpse.Model;

namespace Glimpse.Cli.Commands;

/// <summary>The size options of a benchmark's random-weight model, with each benchmark's own defaults.</summary>
internal sealed class SyntheticShapeOptions(int layers, int hidden, int heads, int imageSide)
{
    private readonly Option<int> _layers = new("--layers") { Description = "Decoder layers.", DefaultValueFactory = _ => layers };
    private readonly Option<int> _hidden = new("--hidden") { Description = "Decoder width (MLP 4× wider).", DefaultValueFactory = _ => hidden };
    private readonly Option<int> _heads = new("--heads") { Description = "Attention heads.", DefaultValueFactory = _ => heads };
    private readonly Option<int> _side = new("--image-side") { Description = "Image tokens per side (24 → 576 tokens).", DefaultValueFactory = _ => imageSide };

    public IEnumerable<Option> All => [_layers, _hidden, _heads, _side];

    public SyntheticShape Read(ParseResult parse, int visionLayers, int visionHidden)
    {
        int width = parse.GetValue(_hidden), count = parse.GetValue(_heads);
        if (width <= 0 || count <= 0 || width % count != 0)
            throw new UserInputException($"--hidden {width} must be a positive multiple of --heads {count}.");
        return new SyntheticShape
        {
            Layers = parse.GetValue(_layers), Hidden = width, Heads = count, KeyValueHeads = count, Intermediate = 4 * width,
            ImageTokensPerSide = parse.GetValue(_side), VisionLayers = visionLayers, VisionHidden = visionHidden,
        };
    }
}
