using System.Text;
using Glimpse.Core.Images;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Idefics3;

/// <summary>
/// SmolVLM / Idefics3's chat template for one user turn [image, question] with the generation prompt:
/// <c>&lt;|im_start|&gt;User:&lt;image&gt;{question}&lt;end_of_utterance&gt;\nAssistant:</c> (the colon without a
/// space because the turn starts with the image; the tokenizer adds no BOS). The processor's expansion replaces the
/// one <c>&lt;image&gt;</c>: for each tile, row by row, <c>&lt;fake_token_around_image&gt;&lt;row_r_col_c&gt;</c> and
/// the tile's image tokens, <c>\n</c> after each row; then <c>\n&lt;fake_token_around_image&gt;&lt;global-img&gt;</c>,
/// the global frame's tokens and a closing <c>&lt;fake_token_around_image&gt;</c>. Markers and newlines are template
/// tokens; the image positions are exactly the <c>&lt;image&gt;</c> ids, frame by frame.
/// </summary>
/// <param name="imageTokenId">The config's image_token_id, checked against the tokenizer's "&lt;image&gt;"; null to take the tokenizer's.</param>
public sealed class Idefics3ChatTemplate(long? imageTokenId = null) : IChatTemplate
{
    public const string ImagePlaceholder = "<image>";
    public const string FakeToken = "<fake_token_around_image>";
    public const string GlobalToken = "<global-img>";
    public const string EndOfUtterance = "<end_of_utterance>";
    private const string Prefix = "<|im_start|>User:" + ImagePlaceholder;
    private const string Suffix = EndOfUtterance + "\nAssistant:";

    /// <summary>The marker before tile (row, column), both 0-based: <c>&lt;row_{row+1}_col_{column+1}&gt;</c>.</summary>
    public static string TileMarker(int row, int column) => $"<row_{row + 1}_col_{column + 1}>";

    /// <summary>An image that was not split: one global frame of <paramref name="imageTokenCount"/> tokens.</summary>
    public PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount) =>
        Build(tokenizer, question, rows: 0, columns: 0, imageTokenCount);

    /// <summary>The split the layout records: grids "tile r,c" (their crop boxes give rows × columns), then "global".</summary>
    public PromptLayout Build(TextTokenizer tokenizer, string question, ImageTokenLayout imageTokens)
    {
        ArgumentNullException.ThrowIfNull(imageTokens);
        var (rows, columns, perFrame) = Split(imageTokens);
        return Build(tokenizer, question, rows, columns, perFrame);
    }

    /// <summary>
    /// Reads the split back from an Idefics3 layout: every grid but the last is a tile, the last is the global
    /// frame; all have the same number of tokens, in frame order, and the tiles are row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The layout is not one Idefics3's processor makes.</exception>
    public static (int Rows, int Columns, int TokensPerFrame) Split(ImageTokenLayout layout)
    {
        var grids = layout.Grids;
        int perFrame = grids[0].CellCount;
        var tiles = grids.Take(grids.Count - 1).ToArray();
        int rows = tiles.Select(g => g.Geometry.CropBox.Y).Distinct().Count();
        int columns = tiles.Select(g => g.Geometry.CropBox.X).Distinct().Count();
        bool ordered = tiles.Length == rows * columns
            && grids.All(g => g.CellCount == perFrame)
            && layout.UnplacedTokens.Count == 0
            && grids.Select((g, f) => g.Tokens.SequenceEqual(Enumerable.Range(f * perFrame, perFrame))).All(x => x)
            && tiles.Select(g => (g.Geometry.CropBox.Y, g.Geometry.CropBox.X))
                .SequenceEqual(tiles.Select(g => (g.Geometry.CropBox.Y, g.Geometry.CropBox.X)).OrderBy(p => p.Y).ThenBy(p => p.X));
        if (!ordered)
            throw new ArgumentException(
                $"The image-token layout ({grids.Count} grids: {string.Join(", ", grids.Select(g => g.Name))}) is not an Idefics3 split " +
                "(row-major tiles of equal token count, then the global image).", nameof(layout));
        return (rows, columns, perFrame);
    }

    private PromptLayout Build(TextTokenizer tokenizer, string question, int rows, int columns, int perFrame)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perFrame, 1);
        string frameTokens = string.Concat(Enumerable.Repeat(ImagePlaceholder, perFrame));
        var expansion = new StringBuilder();
        var markers = new List<string> { "<|im_start|>", FakeToken, GlobalToken, EndOfUtterance };
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                markers.Add(TileMarker(r, c));
                expansion.Append(FakeToken).Append(TileMarker(r, c)).Append(frameTokens);
            }
            expansion.Append('\n');
        }
        // After tiles the global block starts on a new line: with the last row's, one "\n\n".
        if (rows > 0) expansion.Append('\n');
        expansion.Append(FakeToken).Append(GlobalToken).Append(frameTokens).Append(FakeToken);
        return QuestionPrompt.Build(tokenizer, Prefix, question, Suffix, ImagePlaceholder, imageTokenId, markers,
            imageTokenCount: (rows * columns + 1) * perFrame, imageExpansion: expansion.ToString());
    }
}
