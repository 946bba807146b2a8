namespace Glimpse.Pipeline.Storage;

/// <summary>The first bytes of a blob (all of it when it is short enough) and the blob's full size.</summary>
public sealed record BlobPrefix(byte[] Bytes, long TotalBytes)
{
    public bool IsWhole => Bytes.LongLength == TotalBytes;
}
