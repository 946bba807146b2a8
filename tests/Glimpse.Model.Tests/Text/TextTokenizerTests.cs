using Glimpse.Model.Text;

namespace Glimpse.Model.Tests.Text;

/// <summary>The reference set's word-level tokenizers (README "Tokenizer").</summary>
public class TextTokenizerTests
{
    [Fact]
    public void LlavaSpecialTokensAndLimitsComeFromBothFiles()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal(0, tok.PadId);
        Assert.Equal(0, tok.UnkId);
        Assert.Equal("<s>", tok.BosToken);
        Assert.Equal(300, tok.VocabSize);
        Assert.Equal(128, tok.ModelMaxLength);
        Assert.Equal(299, tok.TokenToId("<image>"));
        Assert.Null(tok.TokenToId("no-such-token"));
        Assert.True(tok.IsSpecial(299));
        Assert.True(tok.IsSpecial(1));
        Assert.False(tok.IsSpecial(104));
        Assert.Equal(["<unk>", "<s>", "</s>", "<image>"], tok.SpecialTokens);
        Assert.Equal("what", tok.TokenText(104));
        Assert.Equal("<image>", tok.TokenText(299));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.TokenText(300));
    }

    [Fact]
    public void Qwen2VLHasNoBosButKeepsItsEosAndLimit()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        Assert.Null(tok.BosId);
        Assert.Null(tok.BosToken);
        Assert.Equal(2, tok.EosId);
        Assert.Equal(1, tok.PadId);
        Assert.Equal(300, tok.VocabSize);
        Assert.Equal(256, tok.ModelMaxLength);
        Assert.Equal(293, tok.TokenToId("<|image_pad|>"));
        Assert.True(tok.IsSpecial(290));
    }

    [Fact]
    public void LlavaAddsBosOnlyWithSpecialTokens()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        Assert.Equal([1, 104, 292], tok.Encode("what color"));
        Assert.Equal([104, 292], tok.Encode("what color", addSpecialTokens: false));
        Assert.Equal([1], tok.Encode(""));
        Assert.Empty(tok.Encode("", addSpecialTokens: false));
    }

    [Fact]
    public void Qwen2VLNeverAddsBos()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        Assert.Equal([105, 298], tok.Encode("what color"));
        Assert.Equal([105, 298], tok.Encode("what color", addSpecialTokens: false));
        Assert.Empty(tok.Encode(""));
    }

    [Fact]
    public void UnknownWordsBecomeIdZeroAndMatchingIsCaseSensitive()
    {
        using var llava = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        Assert.Equal([3, 13, 0], llava.Encode("USER user User", addSpecialTokens: false));
        Assert.Equal([104, 0, 162], llava.Encode("what xyzzy ball", addSpecialTokens: false));
        using var qwen = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        Assert.Equal([4, 14, 0], qwen.Encode("USER user User"));
    }

    [Fact]
    public void SpecialTokensNeedNoSurroundingSpace()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        Assert.Equal([3, 14, 290, 293, 291, 105, 2], tok.Encode("<|im_start|>user<|vision_start|><|image_pad|><|vision_end|>what<|im_end|>"));
    }

    [Fact]
    public void DecodeJoinsWithSpacesAndSkipsSpecialTokensWhenAsked()
    {
        using var llava = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        long[] ids = [1, 3, 5, 299, 104, 292, 0];
        Assert.Equal("USER : what color", llava.Decode(ids));
        Assert.Equal("<s> USER : <image> what color <unk>", llava.Decode(ids, skipSpecialTokens: false));

        using var qwen = TextTokenizer.FromFolder(TokenizerFolders.Qwen2VL);
        long[] chat = [3, 14, 290, 293, 291, 105, 2];
        Assert.Equal("user what", qwen.Decode(chat));
        Assert.Equal("<|im_start|> user <|vision_start|> <|image_pad|> <|vision_end|> what <|im_end|>", qwen.Decode(chat, skipSpecialTokens: false));
    }

    [Fact]
    public void DecodeDropsIdsOutsideTheVocabularyAndRejectsNegativeOnes()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        Assert.Equal("what ball", tok.Decode([104, 5000, 162]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([104, -1]));
    }

    [Fact]
    public void OffsetsPointIntoTheInputEvenWhereTheTokenizerDropsWhitespaceOrMeetsUnknownWords()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        const string text = "USER: <image>\nwhat xyzzy  ball? ASSISTANT:";
        TextEncoding encoding = tok.EncodeWithOffsets(text);
        Assert.Equal(tok.Encode(text), encoding.Ids);
        Assert.Null(encoding.Offsets[0]); // BOS comes from the post-processor, not from the text
        string[] pieces = encoding.Offsets.Skip(1).Select(s => text[s!.Value.Start..s.Value.End]).ToArray();
        Assert.Equal(["USER", ":", "<image>", "what", "xyzzy", "ball", "?", "ASSISTANT", ":"], pieces);
        Assert.Equal(0, encoding.Ids[5]);
    }

    [Fact]
    public void AdjacentUnknownWordsSplitWhereTheFollowingTokensStillMatch()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        const string text = "xballx ball";
        TextEncoding encoding = tok.EncodeWithOffsets(text, addSpecialTokens: false);
        Assert.Equal([0, 162], encoding.Ids);
        Assert.Equal([new CharSpan(0, 6), new CharSpan(7, 11)], encoding.Offsets.Select(s => s!.Value));
    }

    [Fact]
    public void ConcurrentCallsGiveTheSequentialResults()
    {
        using var tok = TextTokenizer.FromFolder(TokenizerFolders.Llava);
        string[] texts = Enumerable.Range(0, 64).Select(i => $"USER: <image>\nwhat color is ball {i} red blue ASSISTANT:").ToArray();
        string Run(string text)
        {
            TextEncoding encoding = tok.EncodeWithOffsets(text);
            return string.Join(",", encoding.Ids) + "|" + string.Join(",", encoding.Offsets) + "|" + tok.Decode(encoding.Ids);
        }
        string[] sequential = texts.Select(Run).ToArray();
        var parallel = new string[texts.Length];
        Parallel.For(0, texts.Length * 8, i => parallel[i % texts.Length] = Run(texts[i % texts.Length]));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void MissingTokenizerJsonIsNamed()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => TextTokenizer.FromFolder(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), e.Message);
    }

    [Fact]
    public void MissingTokenizerConfigIsNamed()
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(TokenizerFolders.Llava, "tokenizer.json"), Path.Combine(folder.Path, "tokenizer.json"));
        var e = Assert.Throws<FileNotFoundException>(() => TextTokenizer.FromFolder(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer_config.json"), e.Message);
    }

    [Theory]
    [InlineData("tokenizer.json", "{not json")]
    [InlineData("tokenizer.json", "{\"model\": {\"type\": \"WordLevel\"}}")]
    [InlineData("tokenizer.json", "[1, 2]")]
    [InlineData("tokenizer_config.json", "{\"bos_token\": 5}")]
    [InlineData("tokenizer_config.json", "{\"bos_token\": \"<not-in-vocab>\"}")]
    public void MalformedFilesAreNamed(string brokenFile, string content)
    {
        using var folder = new TempFolder();
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(TokenizerFolders.Llava, file), Path.Combine(folder.Path, file));
        folder.Write(brokenFile, content);
        var e = Assert.Throws<InvalidDataException>(() => TextTokenizer.FromFolder(folder.Path));
        Assert.Contains(brokenFile == "tokenizer.json" ? Path.Combine(folder.Path, brokenFile) : brokenFile, e.Message);
    }
}
