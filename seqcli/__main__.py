from seqcli.entry import main

main()
