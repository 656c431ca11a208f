namespace GanCluster.Training.Data;

/// <summary>
/// A data file or folder is not what it claims to be. The message names the file, what is wrong, what was
/// expected and how to fix it, because the person reading it is usually looking at a training log, not code.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string message)
        : base(message)
    {
    }

    public DataFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
